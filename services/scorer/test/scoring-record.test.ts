// The scorer reads session records selectively (decodeScoringRecord); scoring must not notice: over the
// airline sessions, the view, the scores, verdicts, evidence, priorities and review items equal those of
// the full decode, session by session, with objectives that select by span and resource attributes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSessionView, DEFAULT_MODEL_WINDOWS, DEFAULT_OBJECTIVE_EVALUATORS, evaluatorTypes, SESSION_VIEW_ATTRIBUTE_KEYS, type EvaluatorType } from '@tracebar/evaluators';
import { loadDataset, toOtlpRequests } from '@tracebar/importers';
import { replaySessions } from '@tracebar/importers/replay';
import { loadObjectives, type ObjectiveSet } from '@tracebar/objectives';
import { decodeSessionRecord, encodeSessionRecord } from '@tracebar/proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttributeKeys, Baselines, decodeScoringRecord, scoreSession, type ScoringContext, type SessionScoring } from '../src/index.js';

const DATASETS = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));
const NOW_MS = Date.UTC(2026, 10, 26);

function objectivesFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scoring-record-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function context(objectives: ObjectiveSet): ScoringContext {
  return {
    objectives,
    evaluators: evaluatorTypes as ReadonlyMap<string, EvaluatorType>,
    deps: { fetch: globalThis.fetch, modelWindows: DEFAULT_MODEL_WINDOWS, now: () => NOW_MS },
    timeoutMs: 10_000,
    reviewThreshold: 0.35,
    taxonomyVersion: 1,
    baselines: new Baselines(),
  };
}

/** What scoring publishes, without the run times (the only part that may differ between two runs). */
function published(scoring: SessionScoring) {
  return scoring.results.map((result) => ({
    objective: result.objective.id,
    verdict: result.verdict,
    priority: result.priority,
    score: { ...result.score, scores: result.score.scores?.map((score) => ({ ...score, durationNano: undefined })) },
    review: result.review,
  }));
}

describe('decodeScoringRecord', () => {
  let values: Buffer[] = [];
  /** Multi-agent sessions (several agents, OpenInference-style spans). */
  let multiAgent: Buffer[] = [];

  beforeAll(async () => {
    const encode = (sessions: Awaited<ReturnType<typeof loadDataset>>) => replaySessions(toOtlpRequests(sessions)).map((record) => Buffer.from(encodeSessionRecord(record)));
    values = encode(await loadDataset('openai-messages', path.join(DATASETS, 'tau-bench-airline/gpt-4o-airline.json')));
    multiAgent = encode(await loadDataset('who-and-when', path.join(DATASETS, 'who-and-when-algorithm-generated')));
  }, 60_000);

  it('gives the same view as the full decode, every airline and multi-agent session', () => {
    const keys = new AttributeKeys(SESSION_VIEW_ATTRIBUTE_KEYS);
    expect(values.length).toBe(200);
    expect(multiAgent.length).toBeGreaterThan(100);
    for (const value of [...values, ...multiAgent]) {
      const { traceOf: fullTraceOf, ...full } = buildSessionView(decodeSessionRecord(value));
      const { traceOf: leanTraceOf, ...lean } = buildSessionView(decodeScoringRecord(value, keys));
      expect(lean).toStrictEqual(full);
      const spanId = full.spans[full.spans.length - 1]!.spanId;
      expect(leanTraceOf(spanId)).toBe(fullTraceOf(spanId));
    }
  });

  it('scores, verdicts, evidence, priorities and review items equal those of the full decode', async () => {
    const dir = objectivesFolder({
      // Selected by a span attribute: the lean reader must keep exactly the attributes selectors name.
      'openai.yaml': `id: openai-agents\nversion: 1\nselector: { attributes: { gen_ai.provider.name: openai } }\nsla: { target: 0.8 }\nevaluators:\n${DEFAULT_OBJECTIVE_EVALUATORS.map((e) => `  - { id: ${e.type}, type: ${e.type} }\n`).join('')}`,
      // Selected by a resource attribute, with the evaluators whose params are not the defaults.
      'airline.yaml': `id: airline\nversion: 2\nselector: { attributes: { service.name: gpt-4o-airline } }\nsla: { target: 0.9 }\nevaluators:\n  - { id: tools, type: tool_failures, params: { retryStormCalls: 2 } }\n  - { id: must-search, type: assertions, params: { checks: [{ kind: tool_required, tool: search_direct_flight }, { kind: final_output_matches, regex: "reservation" }] } }\n`,
      // Never selected: no span says so.
      'other.yaml': `id: other-provider\nversion: 1\nselector: { attributes: { gen_ai.provider.name: anthropic } }\nsla: { target: 0.8 }\nevaluators:\n  - { id: tools, type: tool_failures }\n`,
    });
    const evaluators = evaluatorTypes as ReadonlyMap<string, EvaluatorType>;
    const objectives = loadObjectives({ dir, evaluators, defaultEvaluators: DEFAULT_OBJECTIVE_EVALUATORS });
    const keys = new AttributeKeys([...SESSION_VIEW_ATTRIBUTE_KEYS, ...objectives.selectorKeys]);
    const fullContext = context(objectives);
    const leanContext = context(objectives);
    const selected = new Set<string>();
    let reviewItems = 0;
    for (const value of [...values, ...multiAgent]) {
      const full = published(await scoreSession(decodeSessionRecord(value), fullContext));
      const lean = published(await scoreSession(decodeScoringRecord(value, keys), leanContext));
      expect(lean).toStrictEqual(full);
      for (const result of lean) selected.add(result.objective);
      reviewItems += lean.filter((result) => result.review).length;
    }
    expect(selected).toContain('airline');
    expect(selected).toContain('openai-agents');
    expect(selected).not.toContain('other-provider');
    expect(reviewItems).toBeGreaterThan(0);
  }, 60_000);

  it('throws on a truncated record, like the full decode', () => {
    const keys = new AttributeKeys(SESSION_VIEW_ATTRIBUTE_KEYS);
    const cut = values[0]!.subarray(0, values[0]!.length - 100);
    expect(() => decodeSessionRecord(cut)).toThrow(RangeError);
    expect(() => decodeScoringRecord(cut, keys)).toThrow(RangeError);
  });
});
