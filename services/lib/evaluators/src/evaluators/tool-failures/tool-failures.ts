// tool_failures: explicit errors, silent failures (empty results, a result about something other than
// what was asked), retry storms (the same call again and again) and ignored errors (the agent carried on
// or answered as if a failed call had worked).
import { z } from 'zod';
import { argumentLeaves, nameTokens, parseArguments } from '../../analysis/actions.js';
import { NESTED, topLevelMembers, type MemberValue } from '../../analysis/json-members.js';
import { evidenceFor, fromFindings, passed, type Finding } from '../../evaluation.js';
import { ACKNOWLEDGES_PROBLEM, CLAIMS_SUCCESS, clip, isEmptyResult } from '../../text.js';
import type { Evaluation, DeterministicEvaluatorType } from '../../types.js';
import type { SessionView, ToolCallView } from '../../view/session-view.js';

export const toolFailuresParams = z
  .object({
    /** Identical calls (tool and arguments) from this many on make a retry storm. */
    retryStormCalls: z.number().int().min(2).default(3),
    /** Tools whose empty result is normal (e.g. a search that may find nothing). */
    emptyResultOk: z.array(z.string()).default([]),
    /** Severity at or above which the evaluator fails (see README). */
    failAt: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .prefault({});

export type ToolFailuresParams = z.infer<typeof toolFailuresParams>;

const LOOKUP = /^(?:search|find|list|query|lookup|look|get|fetch|read|retrieve|browse|check)$/;
/** First-person reports of work done ("I booked the room"), beside CLAIMS_SUCCESS's passive forms. */
const CLAIMS_DONE = /\bI(?:'ve| have)? (?:just )?(?:booked|reserved|cancel+ed|ordered|sent|scheduled|created|updated|changed|refunded|upgraded)\b/i;

const SEVERITY = { explicit_error: 0.35, recovered_error: 0.15, silent_failure: 0.45, empty_lookup: 0.2, retry_storm: 0.7, ignored_error: 0.75 } as const;

/** What the agent did after a failed call, up to the next user message. */
function aftermath(view: SessionView, call: ToolCallView): { retried: boolean; succeededLater: boolean; reply: string; replySpanId: string } {
  let retried = false;
  let succeededLater = false;
  for (let i = call.position + 1; i < view.timeline.length; i++) {
    const entry = view.timeline[i]!;
    if (entry.kind === 'tool') {
      if (entry.call.name === call.name) {
        retried = true;
        if (!entry.call.error) succeededLater = true;
      }
      continue;
    }
    const message = entry.message;
    if (message.role === 'user') break;
    if (message.role === 'assistant' && message.text.trim() !== '') return { retried, succeededLater, reply: message.text, replySpanId: message.spanId };
  }
  return { retried, succeededLater, reply: '', replySpanId: '' };
}

/** Argument keys whose value the result reports differently: a result about another thing. */
export function mismatch(call: Pick<ToolCallView, 'arguments' | 'result' | 'position'>): string | undefined {
  if (call.result === undefined || call.result.length < 2 || call.result[0] !== '{') return undefined;
  const args = argumentLeaves(parseArguments(call)).filter(([key, value]) => key !== '' && /\d/.test(value) && value.length >= 4);
  // Parse the result only when it reports one of the argument keys at all.
  if (args.length === 0 || !args.some(([key]) => call.result!.includes(`"${key}"`))) return undefined;
  // Most results report the values asked for: read the few top-level members without parsing it all.
  const agrees = (members: ReadonlyMap<string, MemberValue>) => args.every(([key, value]) => {
    const reported = members.get(key);
    return reported === undefined || reported === NESTED || String(reported) === value;
  });
  // Read no further than the members asked about once they agree and the rest cannot name them again:
  // whatever the rest holds (even invalid JSON, which JSON.parse below would refuse), the answer is none.
  const members = topLevelMembers(call.result, new Set(args.map(([key]) => key)), agrees);
  if (members && agrees(members)) return undefined;
  let result: unknown;
  try {
    result = JSON.parse(call.result);
  } catch {
    return undefined;
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const top = result as Record<string, unknown>;
  for (const [key, value] of args) {
    const reported = top[key];
    if ((typeof reported === 'string' || typeof reported === 'number') && String(reported) !== value) {
      return `${key} ${value} asked, ${String(reported)} returned`;
    }
  }
  return undefined;
}

/**
 * Calls grouped by tool and arguments (key name + NUL + arguments), groups in the order of their first call.
 * Few calls are compared pair by pair: cheaper than building and hashing a key per call.
 */
function sameCalls(calls: readonly ToolCallView[]): ToolCallView[][] {
  if (calls.length > 32 || calls.some((call) => call.name.includes('\u0000'))) {
    const byKey = new Map<string, ToolCallView[]>();
    for (const call of calls) {
      const key = `${call.name}\u0000${call.arguments}`;
      const list = byKey.get(key);
      if (list) list.push(call);
      else byKey.set(key, [call]);
    }
    return [...byKey.values()];
  }
  // Without NUL in names, the keys of two calls are equal exactly when their names and arguments are.
  const groups: ToolCallView[][] = [];
  for (const call of calls) {
    const group = groups.find((list) => list[0]!.name === call.name && list[0]!.arguments === call.arguments);
    if (group) group.push(call);
    else groups.push([call]);
  }
  return groups;
}

function evaluateToolFailures(view: SessionView, params: ToolFailuresParams): Evaluation {
  const calls = view.toolCalls;
  const signals: Record<string, number> = {
    tool_calls: calls.length,
    tool_errors: 0,
    tool_error_rate: 0,
    unrecovered_errors: 0,
    silent_failures: 0,
    retry_storm_max: 0,
    ignored_errors: 0,
  };
  if (calls.length === 0) return passed('no tool calls', signals);
  const findings: Finding[] = [];
  const emptyOk = new Set(params.emptyResultOk);
  const repeats = sameCalls(calls);
  for (const call of calls) {
    if (call.error) {
      signals.tool_errors!++;
      const after = aftermath(view, call);
      const acknowledged = after.reply !== '' && ACKNOWLEDGES_PROBLEM.test(after.reply);
      const claims = after.reply !== '' && CLAIMS_SUCCESS.test(after.reply);
      const what = `${call.name || 'tool'} failed${call.result ? `: ${clip(call.result, 60)}` : call.errorSource === 'status' ? ' (status error)' : ''}`;
      if (!after.succeededLater) signals.unrecovered_errors!++;
      if ((claims && !acknowledged) || (!acknowledged && !after.retried && after.reply !== '')) {
        signals.ignored_errors!++;
        findings.push({ subtype: 'ignored_error', severity: SEVERITY.ignored_error, evidence: evidenceFor(view, call.resultSpanId || call.spanId, `${what}; the agent went on as if it worked`) });
        if (after.replySpanId !== '') findings.push({ subtype: 'ignored_error', severity: 0.3, evidence: evidenceFor(view, after.replySpanId, `answer after the failed ${call.name}: ${clip(after.reply, 60)}`) });
      } else {
        const severity = after.succeededLater ? SEVERITY.recovered_error : SEVERITY.explicit_error;
        findings.push({ subtype: 'explicit_error', severity, evidence: evidenceFor(view, call.resultSpanId || call.spanId, after.succeededLater ? `${what} (a later call succeeded)` : what) });
      }
      continue;
    }
    const ok2xx = call.httpStatus >= 200 && call.httpStatus < 300;
    // An empty string is what an absent attribute reads as: only a 2xx with it says "empty body".
    const empty = call.result !== undefined && (call.result.trim() === '' ? ok2xx : isEmptyResult(call.result));
    if (empty && !emptyOk.has(call.name)) {
      signals.silent_failures!++;
      // A search that finds nothing is often a true answer; anything else returning nothing is not.
      // Nothing came back, and the next answer reports the work done: the agent went on as if it worked.
      const after = aftermath(view, call);
      const claimed = after.reply !== '' && (CLAIMS_SUCCESS.test(after.reply) || CLAIMS_DONE.test(after.reply)) && !ACKNOWLEDGES_PROBLEM.test(after.reply) && !after.succeededLater;
      const severity = claimed ? SEVERITY.ignored_error : LOOKUP.test(nameTokens(call.name)[0] ?? '') ? SEVERITY.empty_lookup : SEVERITY.silent_failure;
      const returned = `${call.name} returned ${call.result!.trim() || 'nothing'}${ok2xx ? ` (HTTP ${call.httpStatus})` : ''}`;
      findings.push({ subtype: 'silent_failure', severity, evidence: evidenceFor(view, call.resultSpanId || call.spanId, claimed ? `${returned}; the answer reports it done` : returned) });
      continue;
    }
    const wrong = mismatch(call);
    if (wrong) {
      signals.silent_failures!++;
      findings.push({ subtype: 'silent_failure', severity: SEVERITY.silent_failure, evidence: evidenceFor(view, call.resultSpanId || call.spanId, `${call.name}: ${wrong}`) });
    }
  }
  for (const list of repeats) {
    if (list.length > signals.retry_storm_max!) signals.retry_storm_max = list.length;
    if (list.length >= params.retryStormCalls) {
      const first = list[0]!;
      const third = list[params.retryStormCalls - 1]!;
      findings.push({ subtype: 'retry_storm', severity: Math.min(0.95, SEVERITY.retry_storm + 0.05 * (list.length - params.retryStormCalls)), evidence: evidenceFor(view, third.spanId, `${first.name} called ${list.length} times with the same arguments`) });
    }
  }
  signals.tool_error_rate = signals.tool_errors! / calls.length;
  return fromFindings('tool_failure', findings, params.failAt, signals, `${calls.length} tool calls, no failure`);
}

export const toolFailures: DeterministicEvaluatorType<ToolFailuresParams> = {
  type: 'tool_failures',
  version: 2,
  description: 'Tool calls that failed loudly or silently, retry storms, and errors the agent ignored.',
  params: toolFailuresParams,
  deterministic: true,
  evaluate: (session, params) => evaluateToolFailures(session, params),
};
