// Plain JavaScript views of attribute content, for the GenAI message parsers: JSON text, and
// flattened attribute keys turned back into nested objects.
import type { Long } from '../../decode/otlp-json-values.js';
import { BOOL, DOUBLE, INT, STRING } from '../../encode/attribute-list.js';
import type { AttributeSink } from '../attribute-sink.js';

export type JsObject = Record<string, unknown>;

export function isJsObject(value: unknown): value is JsObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function newObject(): JsObject {
  return Object.create(null) as JsObject;
}

function longToJs(value: Long | number): number | string {
  if (typeof value === 'number') return value;
  const number = value.toNumber();
  return Number.isSafeInteger(number) ? number : value.toString();
}

/** JSON text parsed, or undefined when it is not a JSON array or object. */
export function parseJsonText(text: string): unknown {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13 || text.charCodeAt(i) === 9)) i++;
  const first = text.charCodeAt(i);
  if (first !== 91 /* [ */ && first !== 123 /* { */) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Arguments, results and other structured values as JSON text (strings stay as they are). */
export function jsonText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const digitsRe = /^[0-9]+$/;
/** Keys JavaScript already lists first and in ascending numeric order: canonical array indexes (< 2^32 - 1). */
const indexRe = /^(?:0|[1-9][0-9]{0,8})$/;

const EMPTY_LIST: readonly unknown[] = Object.freeze([]);

/**
 * The elements of a list: an array, or an object whose keys are all indexes (a flattened array
 * turned back by `unflatten`), in index order. Anything else is an empty list (shared, frozen).
 */
export function asList(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (!isJsObject(value)) return EMPTY_LIST;
  const keys = Object.keys(value);
  if (keys.length === 0) return EMPTY_LIST;
  let sorted = true;
  for (const key of keys) {
    if (indexRe.test(key)) continue;
    if (!digitsRe.test(key)) return EMPTY_LIST;
    sorted = false;
  }
  // Object.keys lists canonical indexes first, ascending; other digit strings need the sort.
  if (!sorted) keys.sort((a, b) => Number(a) - Number(b));
  const out = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = value[keys[i] as string];
  return out;
}

/**
 * The flattened values under `prefix` (e.g. `llm.input_messages.`) as a nested object, split at
 * dots: `0.message.role` becomes `{ 0: { message: { role } } }`. Undefined when no key has the
 * prefix. Values are the redacted, truncated ones of the sink.
 */
export function unflatten(sink: AttributeSink, prefix: string): JsObject | undefined {
  let root: JsObject | undefined;
  const keys = sink.keys;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!key.startsWith(prefix)) continue;
    const value = sinkValue(sink, i);
    if (value === undefined) continue;
    root ??= newObject();
    setPath(root, key.slice(prefix.length), value);
  }
  return root;
}

/** The value at `position` as JavaScript; bytes have none. */
function sinkValue(sink: AttributeSink, position: number): unknown {
  const value = sink.values[position];
  switch (sink.kinds[position]) {
    case STRING:
    case DOUBLE:
    case BOOL:
      return value;
    case INT:
      return longToJs(value as Long | number);
    default:
      return undefined;
  }
}

function setPath(root: JsObject, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i] as string;
    const next = node[segment];
    if (next === undefined) {
      const created = newObject();
      node[segment] = created;
      node = created;
    } else if (isJsObject(next)) {
      node = next;
    } else {
      return; // a leaf already holds this path: first wins
    }
  }
  const last = segments[segments.length - 1] as string;
  if (node[last] === undefined) node[last] = value;
}
