// config/taxonomy.yaml version 1, as the evaluators name it (patterns and their subtypes).
export const TAXONOMY_V1: Readonly<Record<string, readonly string[]>> = Object.freeze({
  reasoning_drift: ['off_topic', 'loop'],
  tool_failure: ['explicit_error', 'silent_failure', 'retry_storm', 'ignored_error'],
  context_saturation: ['window_overflow', 'dropped_constraint', 'lost_in_middle'],
  goal_misalignment: ['intent_missed', 'subgoal_over_whole', 'user_dissatisfied'],
});

export function isKnownPattern(pattern: string, subtype: string): boolean {
  const subtypes = TAXONOMY_V1[pattern];
  return subtypes !== undefined && (subtype === '' || subtypes.includes(subtype));
}
