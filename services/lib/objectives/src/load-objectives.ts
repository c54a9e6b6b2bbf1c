// Reads config/objectives/*.yaml into validated objectives, adds the built-in default, and
// reports every problem with the file, the key and what was expected.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { contentHash } from './content-hash.js';
import { ObjectiveError } from './objective-error.js';
import { objectiveFileSchema, type ObjectiveFile } from './objective-schema.js';
import type { EvaluatorCatalog, Objective, ObjectiveEvaluator } from './objective.js';
import { selectorAttributeKeys } from './select-objectives.js';
import { firstIssue, keyPath } from './zod-issues.js';

/** One evaluator of the built-in default objective. */
export interface DefaultEvaluator {
  readonly id: string;
  readonly type: string;
  readonly required: boolean;
  readonly weight: number;
  readonly params?: unknown;
}

/**
 * The built-in objective's version. Its content is the default evaluator list; a test pins its
 * hash, so changing that list fails until this is raised (a recorded version never changes).
 */
export const DEFAULT_OBJECTIVE_VERSION = 1;
export const DEFAULT_OBJECTIVE_ID = 'default';

export interface ObjectiveSet {
  /** Every objective loaded (every version found, and the default). */
  readonly all: readonly Objective[];
  /** The latest version of each configured objective: the ones that select sessions. */
  readonly active: readonly Objective[];
  /** The built-in default, for sessions no active objective selects. */
  readonly fallback: Objective;
  readonly selectorKeys: readonly string[];
}

export interface LoadObjectivesOptions {
  /** Folder of *.yaml / *.yml files; a missing folder means no configured objective. */
  dir: string;
  evaluators: EvaluatorCatalog;
  defaultEvaluators: readonly DefaultEvaluator[];
}

/** Every problem found, one per line; thrown by loadObjectives. */
export class ObjectivesInvalidError extends Error {
  override readonly name = 'ObjectivesInvalidError';
  constructor(readonly problems: readonly ObjectiveError[]) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}

function resolveEvaluators(file: string, written: ObjectiveFile['evaluators'], catalog: EvaluatorCatalog, problems: ObjectiveError[]): ObjectiveEvaluator[] {
  const resolved: ObjectiveEvaluator[] = [];
  const seen = new Set<string>();
  written.forEach((entry, index) => {
    const at = (...rest: PropertyKey[]) => keyPath(['evaluators', index, ...rest]);
    if (seen.has(entry.id)) problems.push(new ObjectiveError(file, at('id'), `duplicate evaluator id "${entry.id}"`));
    seen.add(entry.id);
    const spec = catalog.get(entry.type);
    if (!spec) {
      problems.push(new ObjectiveError(file, at('type'), `unknown evaluator type "${entry.type}"; expected one of ${[...catalog.keys()].sort().join(', ')}`));
      return;
    }
    const params = spec.params.safeParse(entry.params ?? {});
    if (!params.success) {
      const { key, problem } = firstIssue(params.error, ['evaluators', index, 'params']);
      problems.push(new ObjectiveError(file, key, problem));
      return;
    }
    resolved.push({ id: entry.id, type: entry.type, version: spec.version, params: params.data, required: entry.required, weight: entry.weight });
  });
  return resolved;
}

function readObjectiveFile(file: string, catalog: EvaluatorCatalog, problems: ObjectiveError[]): Objective | undefined {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(new ObjectiveError(file, '', `not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`));
    return undefined;
  }
  const parsed = objectiveFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(new ObjectiveError(file, keyPath(issue.path), issue.message));
    return undefined;
  }
  const before = problems.length;
  const written = parsed.data;
  const evaluators = resolveEvaluators(file, written.evaluators, catalog, problems);
  if (problems.length > before) return undefined;
  const list = (value: string | string[] | undefined) => (value === undefined ? [] : typeof value === 'string' ? [value] : value);
  return {
    id: written.id,
    version: written.version,
    description: written.description,
    contentHash: contentHash(data),
    source: file,
    selector: {
      serviceNames: list(written.selector.serviceName),
      agentNames: list(written.selector.agentName),
      attributes: Object.entries(written.selector.attributes).map(([key, values]) => [key, list(values)] as const),
    },
    slaTarget: written.sla.target,
    evaluators,
    definition: data,
    builtIn: false,
  };
}

/** The built-in objective: every default evaluator with its defaults; it selects what no other objective does. */
export function buildDefaultObjective(catalog: EvaluatorCatalog, defaults: readonly DefaultEvaluator[]): Objective {
  const definition = {
    id: DEFAULT_OBJECTIVE_ID,
    version: DEFAULT_OBJECTIVE_VERSION,
    description: 'Built in: every deterministic evaluator with its defaults, for sessions no configured objective selects.',
    sla: { target: 0.9 },
    evaluators: defaults.map((entry) => ({ id: entry.id, type: entry.type, required: entry.required, weight: entry.weight, ...(entry.params === undefined ? {} : { params: entry.params }) })),
  };
  const problems: ObjectiveError[] = [];
  const evaluators = resolveEvaluators('built-in default objective', objectiveFileSchema.shape.evaluators.parse(definition.evaluators), catalog, problems);
  if (problems.length > 0) throw new ObjectivesInvalidError(problems);
  return {
    id: DEFAULT_OBJECTIVE_ID,
    version: DEFAULT_OBJECTIVE_VERSION,
    description: definition.description,
    contentHash: contentHash(definition),
    source: 'built-in',
    selector: { serviceNames: [], agentNames: [], attributes: [] },
    slaTarget: definition.sla.target,
    evaluators,
    definition,
    builtIn: true,
  };
}

function objectiveFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new ObjectivesInvalidError([new ObjectiveError(dir, '', 'expected a folder of objective files')]);
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Loads and validates every objective file; throws ObjectivesInvalidError listing every problem. */
export function loadObjectives(options: LoadObjectivesOptions): ObjectiveSet {
  const problems: ObjectiveError[] = [];
  const loaded: Objective[] = [];
  for (const file of objectiveFiles(options.dir)) {
    const objective = readObjectiveFile(file, options.evaluators, problems);
    if (objective) loaded.push(objective);
  }
  const byVersion = new Map<string, Objective>();
  for (const objective of loaded) {
    const key = `${objective.id}@${objective.version}`;
    const earlier = byVersion.get(key);
    if (earlier) problems.push(new ObjectiveError(objective.source, 'version', `objective ${objective.id} version ${objective.version} is also defined in ${earlier.source}`));
    byVersion.set(key, objective);
  }
  if (problems.length > 0) throw new ObjectivesInvalidError(problems);
  const latest = new Map<string, Objective>();
  for (const objective of loaded) {
    const current = latest.get(objective.id);
    if (!current || current.version < objective.version) latest.set(objective.id, objective);
  }
  const fallback = buildDefaultObjective(options.evaluators, options.defaultEvaluators);
  const active = [...latest.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { all: [...loaded, fallback], active, fallback, selectorKeys: selectorAttributeKeys(active) };
}
