// Reading converted spans back in the terms of the mapping table.
import { fileURLToPath } from 'node:url';
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export const testdata = (name: string): string => fileURLToPath(new URL(`../testdata/${name}`, import.meta.url));

export const DATASETS = '/work/shared/datasets';
export const AIRLINE = `${DATASETS}/tau-bench-airline/gpt-4o-airline.json`;
export const WHO_AND_WHEN = `${DATASETS}/who-and-when-algorithm-generated`;

export function attr(span: ReadableSpan, key: string): AttributeValue | undefined {
  return span.attributes[key];
}

export function operation(span: ReadableSpan): AttributeValue | undefined {
  return span.attributes['gen_ai.operation.name'];
}

export function json(span: ReadableSpan, key: string): unknown {
  const value = span.attributes[key];
  if (typeof value !== 'string') throw new Error(`${span.name}: ${key} is not JSON text`);
  return JSON.parse(value);
}

export function ns(time: readonly [number, number]): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Every attribute key and value of the spans and their resources, as text. */
export function everyAttributeText(spans: readonly ReadableSpan[]): string {
  const texts: string[] = [];
  for (const span of spans) {
    for (const attributes of [span.attributes, span.resource.attributes]) {
      for (const [key, value] of Object.entries(attributes)) texts.push(key, String(value));
    }
  }
  return texts.join('\n');
}
