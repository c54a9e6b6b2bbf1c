// What objective selectors look at in a session: its service and agent, and the values of the
// attributes some selector names (only those are collected).
import type { SessionFacts } from '@tracebar/objectives';
import type { ISpanRecord } from '@tracebar/proto';
import type { ScoringRecord } from './scoring-record.js';

type AttributeSet = ISpanRecord['attributes'];

function valuesOf(attributes: AttributeSet, key: string, into: Set<string>): void {
  if (!attributes) return;
  const text = attributes.stringValues?.[key];
  if (text !== undefined) into.add(text);
  const int = attributes.intValues?.[key];
  if (int !== undefined && int !== null) into.add(String(int));
  const double = attributes.doubleValues?.[key];
  if (double !== undefined) into.add(String(double));
  const bool = attributes.boolValues?.[key];
  if (bool !== undefined) into.add(String(bool));
}

export function sessionFacts(record: ScoringRecord, selectorKeys: readonly string[]): SessionFacts {
  const attributes = new Map<string, string[]>();
  for (const key of selectorKeys) {
    const values = new Set<string>();
    for (const span of record.spans ?? []) {
      valuesOf(span.attributes, key, values);
      valuesOf(span.resourceAttributes, key, values);
    }
    attributes.set(key, [...values]);
  }
  return {
    serviceName: record.summary?.serviceName ?? '',
    agentName: record.summary?.agentName ?? '',
    attribute: (key) => attributes.get(key) ?? [],
  };
}
