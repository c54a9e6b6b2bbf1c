// The one registry of evaluator types. Adding an evaluator: a folder under evaluators/ and a line here.
import { assertions } from './evaluators/assertions/assertions.js';
import { contextSaturation } from './evaluators/context-saturation/context-saturation.js';
import { goalMisalignment } from './evaluators/goal-misalignment/goal-misalignment.js';
import { llmJudge } from './evaluators/llm-judge/llm-judge.js';
import { reasoningDrift } from './evaluators/reasoning-drift/reasoning-drift.js';
import { sessionShape } from './evaluators/session-shape/session-shape.js';
import { toolFailures } from './evaluators/tool-failures/tool-failures.js';
import type { EvaluatorType } from './types.js';

const all = [toolFailures, contextSaturation, reasoningDrift, goalMisalignment, sessionShape, assertions, llmJudge] as const;

export const evaluatorTypes: ReadonlyMap<string, EvaluatorType> = new Map(all.map((type) => [type.type, type as unknown as EvaluatorType]));

/** The built-in `default` objective: every deterministic evaluator with its defaults. */
export const DEFAULT_OBJECTIVE_EVALUATORS: readonly { id: string; type: string; required: boolean; weight: number; params?: unknown }[] = Object.freeze([
  { id: 'tool_failures', type: 'tool_failures', required: true, weight: 1 },
  { id: 'context_saturation', type: 'context_saturation', required: true, weight: 1 },
  { id: 'reasoning_drift', type: 'reasoning_drift', required: true, weight: 1 },
  { id: 'goal_misalignment', type: 'goal_misalignment', required: true, weight: 1 },
  { id: 'session_shape', type: 'session_shape', required: false, weight: 0.5 },
]);
