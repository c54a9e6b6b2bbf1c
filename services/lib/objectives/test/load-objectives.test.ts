import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  BUILTIN_TAXONOMY,
  contentHash,
  loadObjectives,
  loadTaxonomy,
  ObjectivesInvalidError,
  parseTaxonomy,
  selectObjectives,
  taxonomyHas,
  type EvaluatorCatalog,
  type SessionFacts,
} from '../src/index.js';

const repoConfig = path.resolve(import.meta.dirname, '../../../../config');

// A catalog of the shape the evaluator library registers: a version and a params schema each.
const catalog: EvaluatorCatalog = new Map([
  ['tool_failures', { version: 3, deterministic: true, params: z.strictObject({ maxRetries: z.number().int().default(3) }).prefault({}) }],
  ['context_saturation', { version: 1, deterministic: true, params: z.strictObject({}).prefault({}) }],
  ['reasoning_drift', { version: 1, deterministic: true, params: z.strictObject({}).prefault({}) }],
  ['goal_misalignment', { version: 1, deterministic: true, params: z.strictObject({}).prefault({}) }],
  ['session_shape', { version: 2, deterministic: true, params: z.strictObject({ maxTurns: z.number().default(40) }).prefault({}) }],
]);
const defaults = [
  { id: 'tools', type: 'tool_failures', required: true, weight: 1 },
  { id: 'shape', type: 'session_shape', required: false, weight: 0.5 },
];

const temp = mkdtempSync(path.join(tmpdir(), 'tracebar-objectives-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));


function objectivesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(temp, 'objectives-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function problemsOf(files: Record<string, string>): string[] {
  try {
    loadObjectives({ dir: objectivesDir(files), evaluators: catalog, defaultEvaluators: defaults });
  } catch (error) {
    expect(error).toBeInstanceOf(ObjectivesInvalidError);
    return (error as ObjectivesInvalidError).problems.map((p) => p.message);
  }
  throw new Error('expected the objectives to be rejected');
}

const valid = `
id: checkout
version: 2
selector: { serviceName: [shop-agent, shop-agent-canary], attributes: { deployment.environment: prod } }
sla: { target: 0.9 }
evaluators:
  - { id: tools, type: tool_failures, params: { maxRetries: 5 } }
  - { id: shape, type: session_shape, required: false, weight: 0.25 }
`;

function facts(serviceName: string, attributes: Record<string, string[]> = {}): SessionFacts {
  return { serviceName, agentName: '', attribute: (key) => attributes[key] ?? [] };
}

describe('objectives', () => {
  it('loads the shipped config folder and the built-in default', () => {
    const set = loadObjectives({ dir: path.join(repoConfig, 'objectives'), evaluators: catalog, defaultEvaluators: defaults });
    expect(set.active.map((o) => o.id)).toContain('example-support-agent');
    expect(set.fallback).toMatchObject({ id: 'default', version: 1, builtIn: true, source: 'built-in' });
    expect(set.fallback.evaluators.map((e) => [e.id, e.type, e.version, e.required])).toEqual([
      ['tools', 'tool_failures', 3, true],
      ['shape', 'session_shape', 2, false],
    ]);
  });

  it('applies defaults, records evaluator versions and hashes the content as written', () => {
    const dir = objectivesDir({ 'checkout.yaml': valid });
    const [objective] = loadObjectives({ dir, evaluators: catalog, defaultEvaluators: defaults }).active;
    expect(objective?.evaluators).toEqual([
      { id: 'tools', type: 'tool_failures', version: 3, params: { maxRetries: 5 }, required: true, weight: 1 },
      { id: 'shape', type: 'session_shape', version: 2, params: { maxTurns: 40 }, required: false, weight: 0.25 },
    ]);
    expect(objective?.contentHash).toBe(contentHash(parseYaml(valid)));
    // Key order, comments and layout are not content; a changed value is.
    const reordered = `# comment\nversion: 2\nid: checkout\nsla: {target: 0.9}\nselector:\n  attributes: { deployment.environment: prod }\n  serviceName: [shop-agent, shop-agent-canary]\nevaluators:\n  - { type: tool_failures, id: tools, params: { maxRetries: 5 } }\n  - { id: shape, type: session_shape, required: false, weight: 0.25 }\n`;
    const again = loadObjectives({ dir: objectivesDir({ 'c.yml': reordered }), evaluators: catalog, defaultEvaluators: defaults }).active[0];
    expect(again?.contentHash).toBe(objective?.contentHash);
    const changed = loadObjectives({ dir: objectivesDir({ 'c.yaml': valid.replace('0.9', '0.95') }), evaluators: catalog, defaultEvaluators: defaults }).active[0];
    expect(changed?.contentHash).not.toBe(objective?.contentHash);
  });

  it('uses the latest version of an id for selection and keeps every version', () => {
    const dir = objectivesDir({ 'v2.yaml': valid, 'v1.yaml': valid.replace('version: 2', 'version: 1') });
    const set = loadObjectives({ dir, evaluators: catalog, defaultEvaluators: defaults });
    expect(set.active.map((o) => `${o.id}@${o.version}`)).toEqual(['checkout@2']);
    expect(set.all.map((o) => `${o.id}@${o.version}`).sort()).toEqual(['checkout@1', 'checkout@2', 'default@1']);
    expect(set.selectorKeys).toEqual(['deployment.environment']);
  });

  it('names the file, the key and what was expected', () => {
    const problems = problemsOf({
      'a.yaml': valid.replace('maxRetries: 5', 'maxRetries: "five"'),
      'b.yaml': valid.replace('type: session_shape', 'type: sesion_shape').replace('checkout', 'b'),
      'c.yaml': 'id: c\nversion: 0\nevaluators: []\n',
      'd.yaml': 'id: [unclosed\n',
      'e.yaml': valid.replace('checkout', 'default'),
      'f.yaml': valid.replace('id: shape', 'id: tools').replace('checkout', 'f'),
    });
    const dir = (name: string) => expect.stringMatching(new RegExp(`${name}: `));
    expect(problems).toEqual(expect.arrayContaining([dir('a.yaml'), dir('b.yaml'), dir('c.yaml'), dir('d.yaml'), dir('e.yaml'), dir('f.yaml')]));
    expect(problems.find((p) => p.includes('a.yaml'))).toMatch(/a\.yaml: evaluators\[0\]\.params\.maxRetries: .*number/);
    expect(problems.find((p) => p.includes('b.yaml'))).toMatch(/evaluators\[1\]\.type: unknown evaluator type "sesion_shape"; expected one of .*session_shape/);
    expect(problems.filter((p) => p.includes('c.yaml'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/c\.yaml: version: /), expect.stringMatching(/c\.yaml: sla: /), expect.stringMatching(/c\.yaml: evaluators: /)]),
    );
    expect(problems.find((p) => p.includes('d.yaml'))).toMatch(/not valid YAML/);
    expect(problems.find((p) => p.includes('e.yaml'))).toMatch(/id: the id "default" is the built-in objective/);
    expect(problems.find((p) => p.includes('f.yaml'))).toMatch(/evaluators\[1\]\.id: duplicate evaluator id "tools"/);
  });

  it('refuses one id and version defined twice', () => {
    const problems = problemsOf({ 'one.yaml': valid, 'two.yaml': valid });
    expect(problems).toEqual([expect.stringMatching(/two\.yaml: version: objective checkout version 2 is also defined in .*one\.yaml/)]);
  });

  it('selects by service name and attributes, else the default', () => {
    const set = loadObjectives({ dir: objectivesDir({ 'checkout.yaml': valid }), evaluators: catalog, defaultEvaluators: defaults });
    const pick = (f: SessionFacts) => selectObjectives(set.active, set.fallback, f).map((o) => o.id);
    expect(pick(facts('shop-agent', { 'deployment.environment': ['dev', 'prod'] }))).toEqual(['checkout']);
    expect(pick(facts('shop-agent-canary', { 'deployment.environment': ['prod'] }))).toEqual(['checkout']);
    expect(pick(facts('shop-agent', { 'deployment.environment': ['dev'] }))).toEqual(['default']);
    expect(pick(facts('other', { 'deployment.environment': ['prod'] }))).toEqual(['default']);
  });
});

describe('taxonomy', () => {
  it('config/taxonomy.yaml is the built-in version 1', () => {
    const file = path.join(repoConfig, 'taxonomy.yaml');
    expect(parseTaxonomy(readFileSync(file, 'utf8'), file)).toEqual(BUILTIN_TAXONOMY);
    expect(loadTaxonomy(file).source).toBe(file);
    expect(loadTaxonomy(path.join(temp, 'missing.yaml'))).toEqual({ taxonomy: BUILTIN_TAXONOMY, source: 'built-in' });
  });

  it('knows its patterns and subtypes and rejects a malformed file', () => {
    expect(taxonomyHas(BUILTIN_TAXONOMY, 'tool_failure', 'silent_failure')).toBe(true);
    expect(taxonomyHas(BUILTIN_TAXONOMY, 'tool_failure', 'made_up')).toBe(false);
    expect(taxonomyHas(BUILTIN_TAXONOMY, 'made_up')).toBe(false);
    expect(() => parseTaxonomy('version: 2\npatterns:\n  Bad-Name: { description: x }\n', 'tax.yaml')).toThrow(/tax\.yaml: patterns\.Bad-Name: /);
  });
});
