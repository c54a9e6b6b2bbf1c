// reasoning_drift: the opening request against the final answer (lexical overlap of content words) and
// loops (the same steps repeating without progress).
import { z } from 'zod';
import { openingIntent, substantiveAnswer } from '../../analysis/intent.js';
import { evidenceFor, fromFindings, type Finding } from '../../evaluation.js';
import { clip, collapseSpaces, coverage, wordsOf } from '../../text.js';
import type { Evaluation, DeterministicEvaluatorType } from '../../types.js';
import type { SessionView } from '../../view/session-view.js';

export const reasoningDriftParams = z
  .object({
    /** Share of the request's content words the final answer must echo, below which it is off topic. */
    minOverlap: z.number().min(0).max(1).default(0.1),
    /** Requests with fewer content words are too short to judge drift. */
    minRequestWords: z.number().int().min(1).default(4),
    /** A cycle of steps repeated this many times in a row is a loop. */
    loopRepeats: z.number().int().min(2).default(3),
    failAt: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .prefault({});

export type ReasoningDriftParams = z.infer<typeof reasoningDriftParams>;

/** Longest run of a repeating cycle of 1-4 steps: [cycles, period, index where the run ends]. */
export function longestCycle(signatures: readonly number[]): [number, number, number] {
  let best: [number, number, number] = [1, 0, -1];
  for (let period = 1; period <= 4; period++) {
    let run = 0;
    for (let i = period; i < signatures.length; i++) {
      run = signatures[i] === signatures[i - period] ? run + 1 : 0;
      const cycles = Math.floor(run / period) + 1;
      if (cycles > best[0]) best = [cycles, period, i];
    }
  }
  return best;
}

function evaluateReasoningDrift(view: SessionView, params: ReasoningDriftParams): Evaluation {
  const findings: Finding[] = [];
  const signals: Record<string, number> = { drift: 0, request_overlap: 1, loop_cycles: 0 };
  const intent = openingIntent(view);
  const answer = substantiveAnswer(view);
  if (intent.words.size >= params.minRequestWords && answer && answer.words.size >= 4) {
    // What the session worked on counts as on topic too: tool names and the user's later words.
    const overlap = coverage(intent.words, answer.words);
    signals.request_overlap = overlap;
    signals.drift = 1 - overlap;
    // An answer that keeps to what the user said later (a clarified request, a refusal about the user's
    // own details) is not off topic: only one that shares little with anything the user said is.
    const userWords = new Set<string>();
    for (const message of view.userMessages) for (const word of wordsOf(message)) userWords.add(word);
    const grounded = coverage(answer.words, userWords);
    signals.answer_user_overlap = grounded;
    if (overlap < params.minOverlap && grounded < params.minOverlap) {
      const severity = 0.55 + 0.35 * (1 - overlap / Math.max(1e-9, params.minOverlap));
      findings.push({ subtype: 'off_topic', severity, evidence: evidenceFor(view, answer.message.spanId, `final answer shares ${Math.round(overlap * 100)}% of the request's words: "${clip(answer.message.text, 60)}"`) });
      const first = intent.messages[0];
      if (first) findings.push({ subtype: 'off_topic', severity: 0.1, evidence: evidenceFor(view, first.spanId, `request: "${clip(first.text, 60)}"`) });
    }
  }
  // Loops: each step (a tool call with its arguments, or an assistant message) as a number; repeated cycles.
  const ids = new Map<string, number>();
  const signatures: number[] = [];
  const spans: string[] = [];
  for (const entry of view.timeline) {
    let key: string;
    if (entry.kind === 'tool') key = `t:${entry.call.name}:${entry.call.arguments}`;
    // Messages by their opening, case and spacing aside: a loop repeats itself nearly word for word. A user
    // message breaks a cycle unless it repeats too.
    else key = `${entry.message.role[0]}:${collapseSpaces(entry.message.text.slice(0, 160).toLowerCase())}`;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    signatures.push(id);
    spans.push(entry.kind === 'tool' ? entry.call.spanId : entry.message.spanId);
  }
  const [cycles, period, end] = longestCycle(signatures);
  signals.loop_cycles = cycles;
  if (cycles >= params.loopRepeats && period > 0) {
    const severity = Math.min(0.95, 0.6 + 0.1 * (cycles - params.loopRepeats));
    findings.push({ subtype: 'loop', severity, evidence: evidenceFor(view, spans[end]!, `the same ${period === 1 ? 'step' : `${period} steps`} repeated ${cycles} times in a row`) });
  }
  return fromFindings('reasoning_drift', findings, params.failAt, signals, answer ? `final answer echoes ${Math.round(signals.request_overlap! * 100)}% of the request` : 'no final answer to compare');
}

export const reasoningDrift: DeterministicEvaluatorType<ReasoningDriftParams> = {
  type: 'reasoning_drift',
  version: 1,
  description: 'The opening request against the final answer, and loops of repeated steps.',
  params: reasoningDriftParams,
  deterministic: true,
  evaluate: (session, params) => evaluateReasoningDrift(session, params),
};
