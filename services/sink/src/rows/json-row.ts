import { RawJson } from './clickhouse-values.js';

/**
 * A row object as one JSON line, like JSON.stringify, except that RawJson values are written
 * as their text: a DateTime64(9) needs an unquoted integer beyond 2^53, which no JavaScript
 * number holds. Rows hold strings, finite numbers, booleans, null, arrays and plain objects.
 */
export function jsonRow(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + jsonRow(value[i]);
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    let out = '{';
    let first = true;
    for (const key in value) {
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined) continue;
      out += `${first ? '' : ','}${JSON.stringify(key)}:${jsonRow(member)}`;
      first = false;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
