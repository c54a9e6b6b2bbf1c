// The fixture behind docs/queries.md: two days of an airline-booking agent, two objective
// versions, two releases, re-scorings, review status changes, corrected labels, and another
// tenant whose rows no query may show.
import type { OutgoingMessage } from '@tracebar/bus';
import { ReviewStatus } from '@tracebar/proto';
import { agentSpan, label, labelMessage, MS, reviewItem, reviewMessage, scoreMessage, scoreRecord, sessionMessage, sessionRecord, spanIdOf, spanMessage, t0 } from './messages.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Day A: 02:00 UTC two days ago (sessions stay within their day). Day B: 24 h later. */
export const dayA = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS + 2 * HOUR_MS;
export const dayB = dayA + DAY_MS;
/** ms offsets from messages.ts's t0, which the builders take. */
const offsetOf = (ms: number) => ms - Number(t0 / MS);

export const dayAText = new Date(dayA).toISOString().slice(0, 10);
export const dayBText = new Date(dayB).toISOString().slice(0, 10);

type Outcome = 'passed' | 'failed' | 'unscored';
interface Evaluator {
  id: string;
  outcome: Outcome;
  pattern?: [string, string];
  reason?: string;
  evidence?: { spanId: string; note: string };
}

interface SessionPlan {
  tenant?: string;
  key: string;
  day: number;
  slot: number;
  release: string;
  version: number;
  outcome: Outcome;
  patterns?: [string, string][];
  evaluators: Evaluator[];
  /** Tool call i (1: search_flights, 3: book_flight): an error, or a silent empty result. */
  toolError?: 'search_flights' | 'book_flight';
  emptySearch?: boolean;
  /** The last LLM call used another model and reported no usage. */
  unreportedCall?: boolean;
}

const pass = (id: string): Evaluator => ({ id, outcome: 'passed' });

export const plans: SessionPlan[] = [
  { key: 'a1', day: dayA, slot: 0, release: '1.0.0', version: 1, outcome: 'passed', evaluators: [pass('tools'), pass('judge')] },
  { key: 'a2', day: dayA, slot: 1, release: '1.0.0', version: 1, outcome: 'passed', evaluators: [pass('tools'), pass('judge')] },
  {
    key: 'a3', day: dayA, slot: 2, release: '1.0.0', version: 1, outcome: 'failed', patterns: [['tool_failure', 'silent_failure']], emptySearch: true,
    evaluators: [{ id: 'tools', outcome: 'failed', pattern: ['tool_failure', 'silent_failure'], evidence: { spanId: spanIdOf('a3', 1), note: 'search_flights returned []' } }, pass('judge')],
  },
  { key: 'a4', day: dayA, slot: 3, release: '1.0.0', version: 1, outcome: 'passed', evaluators: [pass('tools'), pass('judge')] },
  { key: 'b1', day: dayB, slot: 0, release: '1.1.0', version: 2, outcome: 'passed', evaluators: [pass('tools'), pass('judge')] },
  {
    key: 'b2', day: dayB, slot: 1, release: '1.1.0', version: 2, outcome: 'failed', toolError: 'book_flight',
    patterns: [['tool_failure', 'explicit_error'], ['reasoning_drift', '']],
    evaluators: [
      { id: 'tools', outcome: 'failed', pattern: ['tool_failure', 'explicit_error'], evidence: { spanId: spanIdOf('b2', 3), note: 'book_flight failed' } },
      { id: 'judge', outcome: 'failed', pattern: ['reasoning_drift', ''] },
    ],
  },
  { key: 'b3', day: dayB, slot: 2, release: '1.1.0', version: 2, outcome: 'passed', evaluators: [pass('tools'), { id: 'judge', outcome: 'unscored', reason: 'judge unreachable' }] },
  {
    key: 'b4', day: dayB, slot: 3, release: '1.1.0', version: 2, outcome: 'failed', patterns: [['context_saturation', 'dropped_constraint']], unreportedCall: true,
    evaluators: [pass('tools'), { id: 'judge', outcome: 'failed', pattern: ['context_saturation', 'dropped_constraint'] }],
  },
  { tenant: 'other', key: 'o1', day: dayA, slot: 4, release: '9.9.9', version: 1, outcome: 'failed', patterns: [['goal_misalignment', '']], toolError: 'search_flights', evaluators: [{ id: 'tools', outcome: 'failed', pattern: ['goal_misalignment', ''] }] },
];

/** Where a session starts, as a builder offset (ms from t0). */
export function sessionStart(plan: SessionPlan): number {
  return offsetOf(plan.day + plan.slot * 10 * 60_000);
}

function spansOf(plan: SessionPlan): OutgoingMessage[] {
  const start = sessionStart(plan);
  const tenant = plan.tenant ?? 'acme';
  const llm = (index: number, model = 'gpt-4o-mini', usage = true) =>
    agentSpan({ tenant, sessionKey: plan.key, index, serviceVersion: plan.release, startOffsetMs: start + index * 1_000, durationMs: 100 * (index + 1), model, ...(usage ? { inputTokens: 1_000, outputTokens: 100 } : {}) });
  const tool = (index: number, name: 'search_flights' | 'book_flight') =>
    agentSpan({
      tenant, sessionKey: plan.key, index, serviceVersion: plan.release, startOffsetMs: start + index * 1_000, durationMs: 50, tool: name,
      error: plan.toolError === name, ...(name === 'search_flights' && plan.emptySearch ? { result: '[]' } : {}),
    });
  return [llm(0), tool(1, 'search_flights'), llm(2), tool(3, 'book_flight'), plan.unreportedCall ? llm(4, 'gpt-4o', false) : llm(4)].map(spanMessage);
}

function sessionsOf(plan: SessionPlan): OutgoingMessage[] {
  const errors = plan.toolError !== undefined || plan.emptySearch ? 1 : 0;
  const base = { tenant: plan.tenant ?? 'acme', sessionKey: plan.key, serviceVersion: plan.release, toolCalls: 2, toolErrors: errors, spanCount: 5, startOffsetMs: sessionStart(plan) };
  // a1 got a late span: revision 2 replaces revision 1 in sessions_latest, and is the one scored.
  const revisions = plan.key === 'a1' ? [1, 2] : [1];
  return revisions.map((revision) => sessionMessage(sessionRecord({ ...base, revision })));
}

export function revisionOf(plan: SessionPlan): number {
  return plan.key === 'a1' ? 2 : 1;
}

function scoresOf(plan: SessionPlan): OutgoingMessage[] {
  const common = { tenant: plan.tenant ?? 'acme', sessionKey: plan.key, revision: revisionOf(plan), version: plan.version, serviceVersion: plan.release, startOffsetMs: sessionStart(plan) };
  const final = scoreMessage(scoreRecord({ ...common, outcome: plan.outcome, ...(plan.patterns ? { patterns: plan.patterns } : {}), evaluators: plan.evaluators, scoredOffsetMs: 300_000 }));
  // Re-scorings: a3 scored twice, a4 first unscored (judge down), then passed. FINAL keeps the latest.
  if (plan.key === 'a3') return [scoreMessage(scoreRecord({ ...common, outcome: 'failed', patterns: plan.patterns ?? [], evaluators: plan.evaluators, scoredOffsetMs: 120_000 })), final];
  if (plan.key === 'a4') return [scoreMessage(scoreRecord({ ...common, outcome: 'unscored', evaluators: [pass('tools'), { id: 'judge', outcome: 'unscored', reason: 'timeout' }], scoredOffsetMs: 120_000 })), final];
  return [final];
}

export interface ScenarioMessages {
  spans: OutgoingMessage[];
  sessions: OutgoingMessage[];
  scores: OutgoingMessage[];
  review: OutgoingMessage[];
  labels: OutgoingMessage[];
}

/**
 * Messages per topic. Records that replace earlier ones (re-scorings, review status changes)
 * come in a second wave, published after the first has landed: within one insert, ClickHouse
 * already keeps only the latest version, which would hide what FINAL is for.
 */
export function scenario(): { first: ScenarioMessages; second: ScenarioMessages } {
  const empty = (): ScenarioMessages => ({ spans: [], sessions: [], scores: [], review: [], labels: [] });
  const first = empty();
  const second = empty();
  for (const plan of plans) {
    first.spans.push(...spansOf(plan));
    first.sessions.push(...sessionsOf(plan));
    const scores = scoresOf(plan);
    first.scores.push(scores[0] as OutgoingMessage);
    second.scores.push(...scores.slice(1));
  }
  const item = (key: string, priority: number, version: number, status?: ReviewStatus, createdOffsetMs?: number) => {
    const plan = plans.find((p) => p.key === key) as SessionPlan;
    return reviewMessage(reviewItem({ sessionKey: key, priority, version, startOffsetMs: sessionStart(plan), ...(status === undefined ? {} : { status }), ...(createdOffsetMs === undefined ? {} : { createdOffsetMs }) }));
  };
  first.review.push(item('a3', 0.8, 1), item('b2', 0.95, 2), item('b4', 0.6, 2), item('a4', 0.3, 1, ReviewStatus.REVIEW_STATUS_DISMISSED));
  second.review.push(item('b4', 0.6, 2, ReviewStatus.REVIEW_STATUS_LABELED, 600_000));
  first.labels.push(
    labelMessage(label({ labelId: 'l1', sessionKey: 'a3', outcome: 'failed', pattern: ['tool_failure', 'silent_failure'], createdOffsetMs: offsetOf(dayB + HOUR_MS) })),
    labelMessage(label({ labelId: 'l2', sessionKey: 'b2', outcome: 'failed', pattern: ['reasoning_drift', ''], createdOffsetMs: offsetOf(dayB + 2 * HOUR_MS) })),
    labelMessage(label({ labelId: 'l3', sessionKey: 'b2', outcome: 'failed', pattern: ['tool_failure', 'explicit_error'], supersedes: 'l2', createdOffsetMs: offsetOf(dayB + 3 * HOUR_MS) })),
    labelMessage(label({ labelId: 'l4', sessionKey: 'a1', revision: 2, outcome: 'passed', createdOffsetMs: offsetOf(dayB + 4 * HOUR_MS) })),
    labelMessage(label({ labelId: 'l5', sessionKey: 'b3', outcome: 'failed', pattern: ['goal_misalignment', ''], createdOffsetMs: offsetOf(dayB + 5 * HOUR_MS) })),
    labelMessage(label({ labelId: 'l6', sessionKey: 'a2', outcome: 'passed', createdOffsetMs: offsetOf(dayB + 6 * HOUR_MS) })),
    labelMessage(label({ tenant: 'other', labelId: 'lo', sessionKey: 'o1', outcome: 'failed', createdOffsetMs: offsetOf(dayB + 7 * HOUR_MS) })),
  );
  return { first, second };
}
