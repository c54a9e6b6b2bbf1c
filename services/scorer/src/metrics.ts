// The scorer's Prometheus metrics, on the registry the runtime injects.
import { Counter, Gauge, Histogram, type Registry } from '@tracebar/runtime';
import type { SessionScoring } from './score-session.js';

export interface ScorerMetrics {
  scored(result: SessionScoring, seconds: number): void;
  malformed(): void;
  partsExpired(count: number): void;
  published(scores: number, reviews: number, alerts: number): void;
}

export function createScorerMetrics(registry: Registry, pending: () => { sessions: number; bytes: number }): ScorerMetrics {
  const registers = [registry];
  new Gauge({
    name: 'tracebar_scorer_pending_parts_sessions',
    help: 'Split sessions waiting for their remaining parts.',
    registers,
    collect() {
      this.set(pending().sessions);
    },
  });
  new Gauge({
    name: 'tracebar_scorer_pending_parts_bytes',
    help: 'Bytes of session parts waiting for the rest of their session.',
    registers,
    collect() {
      this.set(pending().bytes);
    },
  });
  const sessions = new Counter({ name: 'tracebar_scorer_sessions_scored_total', help: 'Session revisions scored.', registers });
  const verdicts = new Counter({ name: 'tracebar_scorer_verdicts_total', help: 'Verdicts by objective and outcome.', labelNames: ['objective', 'outcome'], registers });
  const evaluations = new Counter({
    name: 'tracebar_scorer_evaluations_total',
    help: 'Evaluator runs by type, outcome and status (ok, timeout, error).',
    labelNames: ['type', 'outcome', 'status'],
    registers,
  });
  const evaluatorSeconds = new Histogram({
    name: 'tracebar_scorer_evaluator_duration_seconds',
    help: 'Time of one evaluator run.',
    labelNames: ['type'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers,
  });
  const sessionSeconds = new Histogram({
    name: 'tracebar_scorer_session_duration_seconds',
    help: 'Time to score one session against every objective that selects it.',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers,
  });
  const priority = new Histogram({
    name: 'tracebar_scorer_review_priority',
    help: 'Review priority of scored sessions.',
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers,
  });
  const malformed = new Counter({ name: 'tracebar_scorer_sessions_malformed_total', help: 'Session records that could not be decoded or joined (skipped).', registers });
  const expired = new Counter({ name: 'tracebar_scorer_parts_expired_total', help: 'Split sessions given up after waiting too long for their parts.', registers });
  const scores = new Counter({ name: 'tracebar_scorer_score_records_published_total', help: 'Score records published (one per session revision and objective).', registers });
  const reviews = new Counter({ name: 'tracebar_scorer_review_items_published_total', help: 'Review items published.', registers });
  const alerts = new Counter({ name: 'tracebar_scorer_alerts_published_total', help: 'Session alerts published (failed sessions at or above scorer.alertPriority).', registers });
  return {
    scored(result, seconds) {
      sessions.inc();
      sessionSeconds.observe(seconds);
      for (const r of result.results) {
        verdicts.inc({ objective: r.objective.id, outcome: r.verdict.outcome });
        priority.observe(r.priority);
      }
      for (const run of result.runs) {
        evaluations.inc({ type: run.type, outcome: run.outcome, status: run.status });
        evaluatorSeconds.observe({ type: run.type }, run.seconds);
      }
    },
    malformed: () => malformed.inc(),
    partsExpired: (count) => expired.inc(count),
    published(scoreCount, reviewCount, alertCount) {
      scores.inc(scoreCount);
      reviews.inc(reviewCount);
      alerts.inc(alertCount);
    },
  };
}
