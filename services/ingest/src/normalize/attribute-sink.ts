// A flattened attribute set being filled: the typed maps of tracebar.v1.Attributes, a bound on
// how many values it takes, and the first-wins rule that keeps every key in one map only.
import type { IAttributes } from '@tracebar/proto';
import type { Long } from '../decode/otlp-json-values.js';

type ValueMap<T> = Record<string, T>;

// Maps are objects (the generated encoder walks Object.keys) whose prototype is an empty
// null-prototype object: keys such as "__proto__" or "toString" are plain own properties, and,
// unlike Object.create(null), V8 keeps them in fast mode, so spans with the same attribute keys
// share hidden classes.
const EmptyObject = function EmptyObject() {} as unknown as new () => ValueMap<never>;
EmptyObject.prototype = Object.create(null) as object;

function newMap<T>(): ValueMap<T> {
  return new EmptyObject() as ValueMap<T>;
}

export class AttributeSink {
  stringValues: ValueMap<string> | undefined;
  intValues: ValueMap<Long | number> | undefined;
  doubleValues: ValueMap<number> | undefined;
  boolValues: ValueMap<boolean> | undefined;
  bytesValues: ValueMap<Uint8Array> | undefined;
  /** Keys stored, in order (for prefix scans without walking the maps). */
  readonly keys: string[] = [];
  /** Values refused because the set was full. */
  overLimit = 0;
  /** Values refused because their key was already taken (OTLP forbids duplicate keys). */
  duplicates = 0;
  private taken: ValueMap<true> | undefined;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Whether a value under `key` may be stored; call before computing the value. */
  admit(key: string): boolean {
    if (this.keys.length >= this.limit) {
      this.overLimit++;
      return false;
    }
    const taken = (this.taken ??= newMap<true>());
    if (taken[key] === true) {
      this.duplicates++;
      return false;
    }
    taken[key] = true;
    this.keys.push(key);
    return true;
  }

  putString(key: string, value: string): void {
    (this.stringValues ??= newMap<string>())[key] = value;
  }

  putInt(key: string, value: Long | number): void {
    (this.intValues ??= newMap<Long | number>())[key] = value;
  }

  putDouble(key: string, value: number): void {
    (this.doubleValues ??= newMap<number>())[key] = value;
  }

  putBool(key: string, value: boolean): void {
    (this.boolValues ??= newMap<boolean>())[key] = value;
  }

  putBytes(key: string, value: Uint8Array): void {
    (this.bytesValues ??= newMap<Uint8Array>())[key] = value;
  }

  string(key: string): string | undefined {
    return this.stringValues?.[key];
  }

  /** Whether any stored key starts with `prefix`. */
  hasPrefix(prefix: string): boolean {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if ((keys[i] as string).startsWith(prefix)) return true;
    return false;
  }

  /** The record's Attributes message, with empty maps left out (they would cost encode time only). */
  toAttributes(): IAttributes | undefined {
    if (this.keys.length === 0) return undefined;
    const out: IAttributes = {};
    if (this.stringValues !== undefined) out.stringValues = this.stringValues;
    if (this.intValues !== undefined) out.intValues = this.intValues as IAttributes['intValues'];
    if (this.doubleValues !== undefined) out.doubleValues = this.doubleValues;
    if (this.boolValues !== undefined) out.boolValues = this.boolValues;
    if (this.bytesValues !== undefined) out.bytesValues = this.bytesValues;
    return out;
  }
}
