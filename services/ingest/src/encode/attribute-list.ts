// A flattened attribute set as parallel arrays (key, kind, value in the order the values were
// kept), the form the normalizer builds and the encoder writes without going through one object
// per value type. `attributesMessage` turns it into tracebar.v1.Attributes maps, for code (and
// tests) that need the generated message shape.
import type { IAttributes } from '@tracebar/proto';
import type { Int64 } from './wire-writer.js';

export const STRING = 1;
export const INT = 2;
export const DOUBLE = 3;
export const BOOL = 4;
export const BYTES = 5;
export type ValueKind = typeof STRING | typeof INT | typeof DOUBLE | typeof BOOL | typeof BYTES;

export type AttributeValue = string | Int64 | number | boolean | Uint8Array;

export interface AttributeList {
  readonly keys: readonly string[];
  readonly kinds: readonly ValueKind[];
  readonly values: readonly AttributeValue[];
  /**
   * Some key is an array index ("0", "42"): a JavaScript object lists those keys first, in
   * numeric order, so maps built from the list (and the generated encoder) order them so too.
   */
  readonly hasIndexKeys: boolean;
}

export function isAttributeList(value: object): value is AttributeList {
  return (value as Partial<AttributeList>).kinds !== undefined;
}

/** Canonical array index (what JavaScript objects list first): 0 … 2^32 − 2, no leading zeros. */
export function isArrayIndex(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > 10) return false;
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57 || (first === 48 && length > 1)) return false;
  for (let i = 1; i < length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return length < 10 || Number(key) < 4294967295;
}

/**
 * Positions of the values of one kind in the order `Object.keys` lists them in a map built
 * from the list: array-index keys ascending, then the others as kept. Only needed when
 * `hasIndexKeys`; otherwise that order is the kept order.
 */
export function objectKeyOrder(list: AttributeList, kind: ValueKind): number[] {
  const indexes: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < list.keys.length; i++) {
    if (list.kinds[i] !== kind) continue;
    if (isArrayIndex(list.keys[i] as string)) indexes.push(i);
    else others.push(i);
  }
  indexes.sort((a, b) => Number(list.keys[a]) - Number(list.keys[b]));
  return indexes.concat(others);
}

// Maps are objects (the generated encoder walks Object.keys) whose prototype is an empty
// null-prototype object: keys such as "__proto__" or "toString" are plain own properties, and,
// unlike Object.create(null), V8 keeps them in fast mode.
const EmptyObject = function EmptyObject() {} as unknown as new () => Record<string, never>;
EmptyObject.prototype = Object.create(null) as object;

/** The list as tracebar.v1.Attributes (undefined when empty; empty maps left out). */
export function attributesMessage(list: AttributeList): IAttributes | undefined {
  if (list.keys.length === 0) return undefined;
  const out: IAttributes = {};
  for (let i = 0; i < list.keys.length; i++) {
    const key = list.keys[i] as string;
    const value = list.values[i];
    switch (list.kinds[i]) {
      case STRING:
        ((out.stringValues ??= new EmptyObject()) as Record<string, unknown>)[key] = value;
        break;
      case INT:
        ((out.intValues ??= new EmptyObject()) as Record<string, unknown>)[key] = value;
        break;
      case DOUBLE:
        ((out.doubleValues ??= new EmptyObject()) as Record<string, unknown>)[key] = value;
        break;
      case BOOL:
        ((out.boolValues ??= new EmptyObject()) as Record<string, unknown>)[key] = value;
        break;
      default:
        ((out.bytesValues ??= new EmptyObject()) as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}
