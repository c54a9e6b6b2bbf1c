// The evaluator contract (/tmp handoff "evaluators-interface.md"; README "Contract"): one shape for every
// evaluator, what it returns, and what the scorer injects.
import type { ZodType } from 'zod';
import type { ShapeBaseline } from './baseline.js';
import type { SessionView } from './view/session-view.js';

export type EvaluationOutcome = 'passed' | 'failed' | 'unscored';

/** A span that supports a finding. `note` is short and human-readable. */
export interface EvidenceItem {
  spanId: string;
  traceId: string;
  note: string;
}

export interface PatternRef {
  pattern: string;
  subtype: string;
}

export interface Evaluation {
  /** [0,1]; 1 = nothing wrong found. */
  score: number;
  /** unscored = could not judge (no data, judge unreachable, timeout). */
  outcome: EvaluationOutcome;
  /** From config/taxonomy.yaml (version 1) when failed or suspicious. */
  pattern?: PatternRef;
  /** Most important first, at most MAX_EVIDENCE. */
  evidence: EvidenceItem[];
  /** One line for a reviewer. */
  detail: string;
  unscoredReason?: string;
  /** Named numeric signals (e.g. tool_error_rate) for the review priority. */
  signals: Record<string, number>;
}

/** An OpenAI-compatible endpoint and the model to ask (llm_judge: chat completions; reasoning_drift: embeddings). */
export interface EndpointSettings {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
}

export type JudgeSettings = EndpointSettings;
export type EmbeddingSettings = EndpointSettings;

export interface EvaluatorDeps {
  /** The scorer aborts at the per-evaluator timeout. */
  signal: AbortSignal;
  /** Injected for llm_judge. */
  fetch: typeof globalThis.fetch;
  /** Model name (or prefix) -> context window tokens. */
  modelWindows: Readonly<Record<string, number>>;
  /** Absent -> llm_judge is unscored ("no judge configured"). */
  judge?: JudgeSettings;
  /** Absent -> reasoning_drift compares by words only. */
  embeddings?: EmbeddingSettings;
  /** The objective's rolling baseline, when the scorer has one. */
  baseline?: ShapeBaseline;
  now: () => number;
}

export interface EvaluatorType<P = unknown> {
  /** tool_failures | context_saturation | reasoning_drift | goal_misalignment | session_shape | assertions | llm_judge */
  readonly type: string;
  /** Bumped when behaviour changes. */
  readonly version: number;
  readonly description: string;
  /** parse(undefined) and parse({}) give the defaults. */
  readonly params: ZodType<P>;
  /** false for llm_judge. */
  readonly deterministic: boolean;
  evaluate(session: SessionView, params: P, deps: EvaluatorDeps): Evaluation | Promise<Evaluation>;
}

export const MAX_EVIDENCE = 10;

export const TAXONOMY_VERSION = 1;

/** A deterministic evaluator answers synchronously (the scorer may skip the promise machinery for it). */
export interface DeterministicEvaluatorType<P = unknown> extends EvaluatorType<P> {
  readonly deterministic: true;
  evaluate(session: SessionView, params: P, deps: EvaluatorDeps): Evaluation;
}
