// context_saturation: prompt tokens against the model's window (estimated from text when a producer reports
// none), constraints stated early and broken later (dropped_constraint), and broken constraints that sat in
// the middle of a long context (lost_in_middle).
import { z } from 'zod';
import { extractConstraints, findViolations } from '../../analysis/constraints.js';
import { evidenceFor, fromFindings, type Finding } from '../../evaluation.js';
import { lookupWindow } from '../../model-windows.js';
import type { Evaluation, EvaluatorDeps, DeterministicEvaluatorType } from '../../types.js';
import type { SessionView } from '../../view/session-view.js';

export const contextSaturationParams = z
  .object({
    /** Window fill at which the window counts as overflowing (failed). */
    overflowAt: z.number().min(0).max(2).default(0.9),
    /** Window fill from which it is worth a note (passed, suspicious). */
    warnAt: z.number().min(0).max(2).default(0.7),
    /** Window assumed for a model the table does not know; 0 = skip the window check for it. */
    unknownModelWindow: z.number().int().min(0).default(128_000),
    /** User messages counted as "early" for constraints. */
    earlyTurns: z.number().int().min(1).default(3),
    /** Also take constraints from the system prompt. */
    systemConstraints: z.boolean().default(true),
    /** Prompt size (tokens) from which a context counts as long for lost_in_middle. */
    longContextTokens: z.number().int().min(1).default(16_000),
    failAt: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .prefault({});

export type ContextSaturationParams = z.infer<typeof contextSaturationParams>;

function evaluateContextSaturation(view: SessionView, params: ContextSaturationParams, deps: EvaluatorDeps): Evaluation {
  const findings: Finding[] = [];
  let maxFill = 0;
  let maxPrompt = 0;
  let worst: { spanId: string; fill: number; tokens: number; window: number; model: string; estimated: boolean } | undefined;
  for (const call of view.llmCalls) {
    if (call.promptTokens > maxPrompt) maxPrompt = call.promptTokens;
    const window = lookupWindow(call.model, deps.modelWindows) ?? (params.unknownModelWindow || undefined);
    if (window === undefined || window <= 0) continue;
    const fill = call.promptTokens / window;
    if (fill > maxFill) {
      maxFill = fill;
      worst = { spanId: call.spanId, fill, tokens: call.promptTokens, window, model: call.model, estimated: call.promptTokensEstimated };
    }
  }
  if (worst && maxFill >= params.warnAt) {
    const severity = maxFill >= params.overflowAt ? 0.9 : 0.2 + (0.5 * (maxFill - params.warnAt)) / Math.max(1e-9, params.overflowAt - params.warnAt);
    const note = `prompt ${worst.estimated ? '~' : ''}${worst.tokens} tokens = ${Math.round(worst.fill * 100)}% of ${worst.model || 'the model'}'s ${worst.window}-token window`;
    findings.push({ subtype: 'window_overflow', severity, evidence: evidenceFor(view, worst.spanId, note) });
  }
  const constraints = extractConstraints(view, params.earlyTurns, params.systemConstraints);
  const violations = findViolations(view, constraints);
  for (const violation of violations) {
    const long = maxPrompt >= params.longContextTokens;
    const source = violation.constraint.source;
    // Where the statement sat in the context the breaking call saw: the middle of a long one is where models lose it.
    const messages = view.messages.filter((message) => message.position < violation.call.position).length;
    const at = source ? view.messages.indexOf(source) / Math.max(1, messages) : 0;
    const middle = long && at > 0.2 && at < 0.8;
    findings.push({
      subtype: middle ? 'lost_in_middle' : 'dropped_constraint',
      severity: 0.7,
      evidence: evidenceFor(view, violation.call.spanId, violation.detail),
    });
    if (source && findings.length < 10) findings.push({ subtype: 'dropped_constraint', severity: 0.1, evidence: evidenceFor(view, source.spanId, `constraint stated here: "${violation.constraint.text}"`) });
  }
  const signals = {
    max_window_fill: maxFill,
    max_prompt_tokens: maxPrompt,
    constraints: constraints.length,
    violated_constraints: violations.length,
  };
  return fromFindings('context_saturation', findings, params.failAt, signals, `window fill ${Math.round(maxFill * 100)}%, ${constraints.length} constraints kept`);
}

export const contextSaturation: DeterministicEvaluatorType<ContextSaturationParams> = {
  type: 'context_saturation',
  version: 1,
  description: "Prompt size against the model's window, and early constraints broken later (dropped or lost in the middle).",
  params: contextSaturationParams,
  deterministic: true,
  evaluate: (session, params, deps) => evaluateContextSaturation(session, params, deps),
};
