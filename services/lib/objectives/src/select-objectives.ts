import type { Objective, ObjectiveSelector, SessionFacts } from './objective.js';

function matches(selector: ObjectiveSelector, facts: SessionFacts): boolean {
  if (selector.serviceNames.length > 0 && !selector.serviceNames.includes(facts.serviceName)) return false;
  if (selector.agentNames.length > 0 && !selector.agentNames.includes(facts.agentName)) return false;
  for (const [key, values] of selector.attributes) {
    if (!facts.attribute(key).some((value) => values.includes(value))) return false;
  }
  return true;
}

/**
 * The objectives that judge a session: every configured objective (latest version of each id)
 * whose selector matches, or the built-in default when none does.
 */
export function selectObjectives(active: readonly Objective[], fallback: Objective, facts: SessionFacts): Objective[] {
  const selected = active.filter((objective) => matches(objective.selector, facts));
  return selected.length > 0 ? selected : [fallback];
}

/** Attribute keys any selector looks at, so that a scorer collects only those. */
export function selectorAttributeKeys(objectives: readonly Objective[]): string[] {
  return [...new Set(objectives.flatMap((objective) => objective.selector.attributes.map(([key]) => key)))].sort();
}
