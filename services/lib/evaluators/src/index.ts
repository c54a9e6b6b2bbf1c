// @tracebar/evaluators: the managed evaluator library (README.md). Pure: no Kafka, no ClickHouse, no env.
export type {
  DeterministicEvaluatorType,
  Evaluation,
  EvaluationOutcome,
  EvaluatorDeps,
  EmbeddingSettings,
  EvaluatorType,
  EvidenceItem,
  JudgeSettings,
  PatternRef,
} from './types.js';
export { MAX_EVIDENCE, TAXONOMY_VERSION } from './types.js';
export type {
  LlmCallView,
  MessageView,
  SessionView,
  SpanInfo,
  TimelineEntry,
  ToolCallView,
  TurnView,
} from './view/session-view.js';
export { buildSessionView, SESSION_VIEW_ATTRIBUTE_KEYS } from './view/build-session-view.js';
export { evaluatorTypes, DEFAULT_OBJECTIVE_EVALUATORS } from './registry.js';
export { DEFAULT_MODEL_WINDOWS, lookupWindow } from './model-windows.js';
export { RollingBaseline, SHAPE_METRICS, shapeZ, type RollingBaselineOptions, type ShapeBaseline, type ShapeMetric } from './baseline.js';
export { PRIORITY_WEIGHTS, reviewPriority, type PriorityReason, type ScoredEvaluation } from './priority.js';
export { TAXONOMY_V1, isKnownPattern } from './taxonomy.js';
export { PROMPT_VERSION } from './evaluators/llm-judge/prompt.js';
