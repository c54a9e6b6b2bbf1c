// assertions: declarative checks from the objective. No checks: passed with score 1.
import { z } from 'zod';
import { evidenceFor, failed, passed } from '../../evaluation.js';
import { clip } from '../../text.js';
import type { EvidenceItem, Evaluation, DeterministicEvaluatorType } from '../../types.js';
import type { SessionView } from '../../view/session-view.js';

const pattern = z.object({ pattern: z.string().min(1), subtype: z.string().default('') }).strict();

const check = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tool_required'), tool: z.string().min(1), pattern: pattern.optional() }).strict(),
  z.object({ kind: z.literal('tool_forbidden'), tool: z.string().min(1), pattern: pattern.optional() }).strict(),
  z.object({ kind: z.literal('tool_order'), before: z.string().min(1), after: z.string().min(1), pattern: pattern.optional() }).strict(),
  z
    .object({
      kind: z.literal('final_output_matches'),
      regex: z.string().min(1),
      flags: z.string().regex(/^[imsu]*$/).default('i'),
      /** true: the output must NOT match. */
      negate: z.boolean().default(false),
      pattern: pattern.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('final_output_json'),
      /** Dotted path into the final output parsed as JSON ("a.b.0.c"); "" = the whole value. */
      path: z.string().default(''),
      /** Absent: the path must exist. */
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      pattern: pattern.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('max_tool_calls'), max: z.number().int().min(0), tool: z.string().optional(), pattern: pattern.optional() }).strict(),
]);

export const assertionsParams = z
  .object({ checks: z.array(check).default([]) })
  .strict()
  .prefault({});

export type AssertionsParams = z.infer<typeof assertionsParams>;
type Check = AssertionsParams['checks'][number];

const DEFAULT_PATTERN = { pattern: 'goal_misalignment', subtype: 'intent_missed' };

function jsonPath(value: unknown, path: string): { found: boolean; value: unknown } {
  let current = value;
  for (const key of path === '' ? [] : path.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in (current as Record<string, unknown>))) return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

/** Runs one check: undefined when it holds, else the evidence of the breach. */
function run(view: SessionView, item: Check): EvidenceItem | undefined {
  const calls = view.toolCalls;
  const last = view.finalOutputSpanId || view.spans[view.spans.length - 1]?.spanId || '';
  switch (item.kind) {
    case 'tool_required':
      return calls.some((call) => call.name === item.tool && !call.error) ? undefined : evidenceFor(view, last, `required tool ${item.tool} never succeeded`);
    case 'tool_forbidden': {
      const call = calls.find((c) => c.name === item.tool);
      return call ? evidenceFor(view, call.spanId, `forbidden tool ${item.tool} called`) : undefined;
    }
    case 'tool_order': {
      const after = calls.find((c) => c.name === item.after);
      if (!after) return undefined;
      const before = calls.find((c) => c.name === item.before);
      return before && before.position < after.position ? undefined : evidenceFor(view, after.spanId, `${item.after} called before any ${item.before}`);
    }
    case 'final_output_matches': {
      const matches = new RegExp(item.regex, item.flags).test(view.finalOutput);
      return matches !== item.negate ? undefined : evidenceFor(view, last, `final output ${item.negate ? 'matches' : 'does not match'} /${item.regex}/: "${clip(view.finalOutput, 50)}"`);
    }
    case 'final_output_json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(view.finalOutput);
      } catch {
        return evidenceFor(view, last, 'final output is not JSON');
      }
      const { found, value } = jsonPath(parsed, item.path);
      if (!found) return evidenceFor(view, last, `final output has no ${item.path || 'value'}`);
      if (item.equals !== undefined && value !== item.equals) return evidenceFor(view, last, `final output ${item.path} is ${JSON.stringify(value)}, expected ${JSON.stringify(item.equals)}`);
      return undefined;
    }
    case 'max_tool_calls': {
      const counted = item.tool === undefined ? calls : calls.filter((c) => c.name === item.tool);
      return counted.length <= item.max ? undefined : evidenceFor(view, counted[item.max]!.spanId, `${counted.length} ${item.tool ?? 'tool'} calls, at most ${item.max} allowed`);
    }
  }
}

function evaluateAssertions(view: SessionView, params: AssertionsParams): Evaluation {
  const evidence: EvidenceItem[] = [];
  let firstPattern: { pattern: string; subtype: string } | undefined;
  for (const item of params.checks) {
    const breach = run(view, item);
    if (!breach) continue;
    evidence.push(breach);
    firstPattern ??= item.pattern ?? DEFAULT_PATTERN;
  }
  const signals = { checks: params.checks.length, failed_checks: evidence.length };
  if (evidence.length === 0) return passed(params.checks.length === 0 ? 'no checks' : `${params.checks.length} checks hold`, signals);
  return failed(1 - evidence.length / params.checks.length, firstPattern, `${evidence.length} of ${params.checks.length} checks failed: ${evidence[0]!.note}`, evidence, signals);
}

export const assertions: DeterministicEvaluatorType<AssertionsParams> = {
  type: 'assertions',
  version: 1,
  description: 'Declarative checks: tools required, forbidden or ordered, final output pattern or JSON path, tool call budget.',
  params: assertionsParams,
  deterministic: true,
  evaluate: (session, params) => evaluateAssertions(session, params),
};
