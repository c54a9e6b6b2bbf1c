// reasoning_drift: the opening request against the final answer (lexical overlap of content words, or
// by meaning through an embeddings endpoint when the scorer has one) and loops (the same steps
// repeating without progress).
import { z } from 'zod';
import { cosine, embedTexts } from '../../analysis/embeddings.js';
import { openingIntent, substantiveAnswer, type Intent } from '../../analysis/intent.js';
import { evidenceFor, fromFindings, type Finding } from '../../evaluation.js';
import { clip, collapseSpaces, coverage, sharedCount, wordsOf, type WordSet } from '../../text.js';
import type { EmbeddingSettings, Evaluation, EvaluatorDeps, EvaluatorType } from '../../types.js';
import type { MessageView, SessionView, TimelineEntry } from '../../view/session-view.js';

export const reasoningDriftParams = z
  .object({
    /** Share of the request's content words the final answer must echo, below which it is off topic. */
    minOverlap: z.number().min(0).max(1).default(0.1),
    /** Requests with fewer content words are too short to judge drift. */
    minRequestWords: z.number().int().min(1).default(4),
    /** A cycle of steps repeated this many times in a row is a loop. */
    loopRepeats: z.number().int().min(2).default(3),
    failAt: z.number().min(0).max(1).default(0.5),
    /** Compare by meaning when the scorer has an embeddings endpoint (scorer.embeddings); false: words only. */
    embeddings: z.boolean().default(true),
    /**
     * By meaning: cosine similarity of the answer to the request (and to everything the user said) below
     * which it is off topic. Depends on the embedding model; 0.3 suits OpenAI's text-embedding-3 models.
     */
    minSimilarity: z.number().min(-1).max(1).default(0.3),
  })
  .strict()
  .prefault({});

export type ReasoningDriftParams = z.infer<typeof reasoningDriftParams>;

/** Longest run of a repeating cycle of 1-4 steps: [cycles, period, index where the run ends]. */
export function longestCycle(signatures: readonly number[]): [number, number, number] {
  return longestCycleOf(signatures.length, (i, j) => signatures[i] === signatures[j]);
}

/** longestCycle over `length` steps compared by `same` (only steps 1-4 apart are ever compared). */
function longestCycleOf(length: number, same: (i: number, j: number) => boolean): [number, number, number] {
  let bestCycles = 1;
  let bestPeriod = 0;
  let bestEnd = -1;
  for (let period = 1; period <= 4; period++) {
    let run = 0;
    for (let i = period; i < length; i++) {
      run = same(i, i - period) ? run + 1 : 0;
      const cycles = Math.floor(run / period) + 1;
      if (cycles > bestCycles) {
        bestCycles = cycles;
        bestPeriod = period;
        bestEnd = i;
      }
    }
  }
  return [bestCycles, bestPeriod, bestEnd];
}

/** A message's step key: its role and opening, case and spacing aside (a loop repeats itself nearly word for word). */
function openingKey(message: MessageView): string {
  return `${message.role[0]}:${collapseSpaces(message.text.slice(0, 160).toLowerCase())}`;
}

const OPENING = 160;
const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/**
 * Whether two texts' openings are equal once lowercased and their whitespace collapsed
 * (collapseSpaces(text.slice(0, 160).toLowerCase()) of both), compared in place while both are ASCII:
 * there lowercasing maps A-Z alone and \s is tab, LF, VT, FF, CR and space. Undefined at the first
 * non-ASCII character before a difference (the caller compares the keys).
 */
function sameAsciiOpening(x: string, y: string): boolean | undefined {
  const nx = Math.min(x.length, OPENING);
  const ny = Math.min(y.length, OPENING);
  let i = 0;
  let j = 0;
  for (;;) {
    let cx = -1;
    if (i < nx) {
      cx = x.charCodeAt(i++);
      if (cx >= 128) return undefined;
      if (isAsciiSpace(cx)) {
        while (i < nx && isAsciiSpace(x.charCodeAt(i))) i++;
        cx = 32;
      } else if (cx >= 65 && cx <= 90) cx += 32;
    }
    let cy = -1;
    if (j < ny) {
      cy = y.charCodeAt(j++);
      if (cy >= 128) return undefined;
      if (isAsciiSpace(cy)) {
        while (j < ny && isAsciiSpace(y.charCodeAt(j))) j++;
        cy = 32;
      } else if (cy >= 65 && cy <= 90) cy += 32;
    }
    if (cx !== cy) return false;
    if (cx === -1) return true;
  }
}

/**
 * Whether two steps of the timeline are the same step: a tool call by `t:<name>:<arguments>`, a message by
 * openingKey (a user message breaks a cycle unless it repeats too). Compared without building the keys.
 */
function sameStep(a: TimelineEntry, b: TimelineEntry): boolean {
  if (a.kind === 'tool') {
    if (b.kind !== 'tool') return false; // message keys open with u: or a:, never t:
    const x = a.call;
    const y = b.call;
    if (x.name === y.name) return x.arguments === y.arguments;
    // Different names can still give the same key ("a:b" + "c" and "a" + "b:c").
    return x.name.length + x.arguments.length === y.name.length + y.arguments.length && `${x.name}:${x.arguments}` === `${y.name}:${y.arguments}`;
  }
  if (b.kind !== 'message') return false;
  const x = a.message;
  const y = b.message;
  if (x.role[0] !== y.role[0]) return false;
  return sameAsciiOpening(x.text, y.text) ?? openingKey(x) === openingKey(y);
}

/** longestCycle over a timeline's steps (sameStep). */
export function stepCycles(timeline: readonly TimelineEntry[]): [number, number, number] {
  return longestCycleOf(timeline.length, (i, j) => sameStep(timeline[i]!, timeline[j]!));
}

const stepSpanId = (entry: TimelineEntry) => (entry.kind === 'tool' ? entry.call.spanId : entry.message.spanId);

interface Answer {
  message: MessageView;
  words: WordSet;
}

interface Topic {
  intent: Intent;
  answer: Answer | undefined;
}

function topicOf(view: SessionView): Topic {
  return { intent: openingIntent(view), answer: substantiveAnswer(view) };
}

/** The request and the answer when both say enough to judge drift. */
function judgeable(topic: Topic, params: ReasoningDriftParams): { intent: Intent; answer: Answer } | undefined {
  const { intent, answer } = topic;
  if (intent.words.size >= params.minRequestWords && answer && answer.words.size >= 4) return { intent, answer };
  return undefined;
}

function offTopic(view: SessionView, intent: Intent, answer: Answer, severity: number, note: string, findings: Finding[]): void {
  findings.push({ subtype: 'off_topic', severity, evidence: evidenceFor(view, answer.message.spanId, `${note}: "${clip(answer.message.text, 60)}"`) });
  const first = intent.messages[0];
  if (first) findings.push({ subtype: 'off_topic', severity: 0.1, evidence: evidenceFor(view, first.spanId, `request: "${clip(first.text, 60)}"`) });
}

/** Off topic by words: the answer echoes little of the request and little of anything the user said. */
function topicByWords(view: SessionView, params: ReasoningDriftParams, intent: Intent, answer: Answer, findings: Finding[], signals: Record<string, number>): void {
  const overlap = coverage(intent.words, answer.words);
  signals.request_overlap = overlap;
  signals.drift = 1 - overlap;
  // An answer that keeps to what the user said later (a clarified request, a refusal about the user's
  // own details) is not off topic: only one that shares little with anything the user said is.
  // coverage(answer words, union of the user's words), without building the union.
  const grounded = sharedCount(answer.words, view.userMessages.map(wordsOf)) / answer.words.size;
  signals.answer_user_overlap = grounded;
  if (overlap < params.minOverlap && grounded < params.minOverlap) {
    const severity = 0.55 + 0.35 * (1 - overlap / Math.max(1e-9, params.minOverlap));
    offTopic(view, intent, answer, severity, `final answer shares ${Math.round(overlap * 100)}% of the request's words`, findings);
  }
}

/** Loops: a cycle of steps (a tool call with its arguments, or an assistant message) repeated. */
function loops(view: SessionView, params: ReasoningDriftParams, findings: Finding[], signals: Record<string, number>): void {
  const timeline = view.timeline;
  const [cycles, period, end] = stepCycles(timeline);
  signals.loop_cycles = cycles;
  if (cycles >= params.loopRepeats && period > 0) {
    const severity = Math.min(0.95, 0.6 + 0.1 * (cycles - params.loopRepeats));
    findings.push({ subtype: 'loop', severity, evidence: evidenceFor(view, stepSpanId(timeline[end]!), `the same ${period === 1 ? 'step' : `${period} steps`} repeated ${cycles} times in a row`) });
  }
}

function evaluateReasoningDrift(view: SessionView, params: ReasoningDriftParams, topic = topicOf(view)): Evaluation {
  const findings: Finding[] = [];
  const signals: Record<string, number> = { drift: 0, request_overlap: 1, loop_cycles: 0 };
  const judged = judgeable(topic, params);
  if (judged) topicByWords(view, params, judged.intent, judged.answer, findings, signals);
  loops(view, params, findings, signals);
  return fromFindings('reasoning_drift', findings, params.failAt, signals, topic.answer ? `final answer echoes ${Math.round(signals.request_overlap! * 100)}% of the request` : 'no final answer to compare');
}

/**
 * By meaning: one embeddings request of three texts (the request, the answer, all the user said);
 * off topic when the answer is far from the request and from everything the user said. The word
 * overlap is kept as a signal; an endpoint that gives no usable answer leaves the words to decide.
 */
async function evaluateByMeaning(view: SessionView, params: ReasoningDriftParams, settings: EmbeddingSettings, deps: EvaluatorDeps): Promise<Evaluation> {
  const topic = topicOf(view);
  const judged = judgeable(topic, params);
  if (!judged) return evaluateReasoningDrift(view, params, topic);
  const { intent, answer } = judged;
  const texts = [intent.messages.map((m) => m.text).join('\n'), answer.message.text, view.userMessages.map((m) => m.text).join('\n')];
  const embedded = await embedTexts(texts, settings, deps);
  if (!embedded.ok) {
    const byWords = evaluateReasoningDrift(view, params, topic);
    return { ...byWords, detail: `${byWords.detail} (${embedded.reason}; by words only)`, signals: { ...byWords.signals, embeddings_unavailable: 1 } };
  }
  const [request, said, user] = embedded.value as [number[], number[], number[]];
  const findings: Finding[] = [];
  const similarity = cosine(request, said);
  const userSimilarity = cosine(said, user);
  const signals: Record<string, number> = {
    drift: 1 - Math.max(0, similarity),
    request_overlap: coverage(intent.words, answer.words),
    request_similarity: similarity,
    answer_user_similarity: userSimilarity,
    loop_cycles: 0,
  };
  const described = `similarity ${similarity.toFixed(2)} to the request (${settings.model})`;
  if (similarity < params.minSimilarity && userSimilarity < params.minSimilarity) {
    const severity = 0.55 + 0.35 * (1 - Math.max(0, similarity) / Math.max(1e-9, params.minSimilarity));
    offTopic(view, intent, answer, Math.min(0.9, severity), `final answer: ${described}`, findings);
  }
  loops(view, params, findings, signals);
  return fromFindings('reasoning_drift', findings, params.failAt, signals, `final answer: ${described}`);
}

/** Synchronous unless the scorer has an embeddings endpoint (deps.embeddings) and params.embeddings allows it. */
export const reasoningDrift: EvaluatorType<ReasoningDriftParams> = {
  type: 'reasoning_drift',
  version: 1,
  description: 'The opening request against the final answer (by words, or by meaning with an embeddings endpoint), and loops of repeated steps.',
  params: reasoningDriftParams,
  deterministic: true,
  evaluate: (session, params, deps) => (deps.embeddings && params.embeddings ? evaluateByMeaning(session, params, deps.embeddings, deps) : evaluateReasoningDrift(session, params)),
};
