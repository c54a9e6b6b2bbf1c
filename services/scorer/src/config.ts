// The scorer's settings, resolved once from the validated tracebar config.
import type { TracebarConfig } from '@tracebar/config';
import { DEFAULT_MODEL_WINDOWS, type EmbeddingSettings, type JudgeSettings } from '@tracebar/evaluators';

export interface ScorerSettings {
  readonly sessionsTopic: string;
  readonly scoresTopic: string;
  readonly reviewTopic: string;
  readonly alertsTopic: string;
  readonly consumerGroup: string;
  readonly objectivesDir: string;
  readonly taxonomyFile: string;
  readonly evaluatorTimeoutMs: number;
  readonly concurrency: number;
  readonly reviewThreshold: number;
  /** Failed sessions at or above this priority are alerted on; undefined: none are. */
  readonly alertPriority: number | undefined;
  readonly modelWindows: Readonly<Record<string, number>>;
  readonly judge: JudgeSettings | undefined;
  /** For reasoning_drift's comparison by meaning; undefined: by words only. */
  readonly embeddings: EmbeddingSettings | undefined;
  readonly commitIntervalMs: number;
  /** Parts of a split session waiting for the rest longer than this are given up (and counted). */
  readonly partsTimeoutMs: number;
}

export function resolveScorerSettings(config: TracebarConfig): ScorerSettings {
  const s = config.scorer;
  return Object.freeze({
    sessionsTopic: config.topics.sessions.name,
    scoresTopic: config.topics.scores.name,
    reviewTopic: config.topics.review.name,
    alertsTopic: config.topics.alerts.name,
    consumerGroup: s.consumerGroup,
    objectivesDir: s.objectivesDir,
    taxonomyFile: s.taxonomyFile,
    evaluatorTimeoutMs: s.evaluatorTimeoutMs,
    concurrency: s.concurrency,
    reviewThreshold: s.reviewThreshold,
    alertPriority: s.alertPriority === 'off' ? undefined : s.alertPriority,
    modelWindows: Object.freeze({ ...DEFAULT_MODEL_WINDOWS, ...s.modelWindows }),
    judge: s.judge ? Object.freeze({ ...s.judge }) : undefined,
    embeddings: s.embeddings ? Object.freeze({ ...s.embeddings }) : undefined,
    commitIntervalMs: s.commitIntervalMs,
    partsTimeoutMs: 15 * 60_000,
  });
}
