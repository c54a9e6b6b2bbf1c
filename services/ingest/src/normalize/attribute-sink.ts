// A flattened attribute set being filled: keys, value kinds and values in parallel arrays (an
// AttributeList the encoder writes directly), a key index for lookups and the first-wins rule
// that keeps every key once, and a bound on how many values it takes. Arrays and one Map, not an
// object per value type: keys arrive as fresh strings every span, and storing them as object
// properties costs a property-name lookup (and a hidden class) per key.
import type { IAnyValue } from '@tracebar/proto';
import { BOOL, BYTES, DOUBLE, INT, isArrayIndex, STRING, type AttributeList, type AttributeValue, type ValueKind } from '../encode/attribute-list.js';
import type { Long } from '../decode/otlp-json-values.js';
import type { Originals, SourceKey } from './genai/message-sources.js';

/** Keys starting with `gen_ai.`. */
export const PREFIX_GEN_AI = 1;
/** Keys starting with `gen_ai.prompt.` or `gen_ai.completion.` (OpenLLMetry's indexed messages). */
export const PREFIX_GEN_AI_INDEXED = 2;
/** Keys starting with `llm.` (OpenInference). */
export const PREFIX_LLM = 4;

export class AttributeSink implements AttributeList {
  /** Keys stored, in order. */
  readonly keys: string[] = [];
  readonly kinds: ValueKind[] = [];
  readonly values: AttributeValue[] = [];
  hasIndexKeys = false;
  /** Which GenAI key families are present (PREFIX_* bits). */
  keyFamilies = 0;
  /** Values refused because the set was full. */
  overLimit = 0;
  /** Values refused because their key was already taken (OTLP forbids duplicate keys). */
  duplicates = 0;
  /** Original values of GenAI source keys that redaction keeps whole, first one of each key. */
  originals: Originals | undefined;
  private index: Map<string, number> | undefined;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Whether a value under `key` may be stored; call before computing the value, then one put*. */
  admit(key: string): boolean {
    if (this.keys.length >= this.limit) {
      this.overLimit++;
      return false;
    }
    if (this.index !== undefined && this.index.has(key)) {
      this.duplicates++;
      return false;
    }
    return true;
  }

  keepOriginal(key: SourceKey, value: IAnyValue): void {
    (this.originals ??= {})[key] ??= value;
  }

  putString(key: string, value: string): void {
    this.put(key, STRING, value);
  }

  putInt(key: string, value: Long | number): void {
    this.put(key, INT, value);
  }

  putDouble(key: string, value: number): void {
    this.put(key, DOUBLE, value);
  }

  putBool(key: string, value: boolean): void {
    this.put(key, BOOL, value);
  }

  putBytes(key: string, value: Uint8Array): void {
    this.put(key, BYTES, value);
  }

  private put(key: string, kind: ValueKind, value: AttributeValue): void {
    const position = this.keys.length;
    this.keys.push(key);
    this.kinds.push(kind);
    this.values.push(value);
    (this.index ??= new Map()).set(key, position);
    const first = key.charCodeAt(0);
    if (first === 103 /* g */ || first === 108 /* l */) this.noteFamily(key);
    else if (first >= 48 && first <= 57 && isArrayIndex(key)) this.hasIndexKeys = true;
  }

  private noteFamily(key: string): void {
    if (key.startsWith('gen_ai.')) {
      this.keyFamilies |= PREFIX_GEN_AI;
      if (key.startsWith('gen_ai.prompt.') || key.startsWith('gen_ai.completion.')) this.keyFamilies |= PREFIX_GEN_AI_INDEXED;
    } else if (key.startsWith('llm.')) {
      this.keyFamilies |= PREFIX_LLM;
    }
  }

  /** Position of `key`, or -1. */
  positionOf(key: string): number {
    return this.index?.get(key) ?? -1;
  }

  /** The value under `key` when it is of `kind`. */
  valueOf(key: string, kind: typeof STRING): string | undefined;
  valueOf(key: string, kind: typeof INT): Long | number | undefined;
  valueOf(key: string, kind: typeof DOUBLE): number | undefined;
  valueOf(key: string, kind: typeof BOOL): boolean | undefined;
  valueOf(key: string, kind: ValueKind): AttributeValue | undefined {
    const position = this.positionOf(key);
    return position >= 0 && this.kinds[position] === kind ? this.values[position] : undefined;
  }

  string(key: string): string | undefined {
    return this.valueOf(key, STRING);
  }
}
