// Readers for the scalar encodings of protobuf's JSON mapping as OTLP/JSON uses it: 64-bit
// integers as decimal strings or numbers, enums as integers or names, bytes as base64, and (the
// OTLP exception) trace and span ids as hex.
import { Buffer } from 'node:buffer';
import { toLong } from '@tracebar/proto';
import type { IAnyValue } from '@tracebar/proto';

/** The Long type the generated code uses for 64-bit fields. */
export type Long = NonNullable<IAnyValue['intValue']>;

/**
 * A value of the wrong JSON type or range. `path` is filled in from the innermost member
 * outwards as the error passes each level, so the happy path builds no path strings.
 */
export class JsonShapeError extends Error {
  readonly path: string[] = [];

  constructor(member: string, problem: string) {
    super(problem);
    this.path.push(member);
  }

  /** Prefixes an outer member (`spans`) or an index (`[3]`, written as `[3]`). */
  within(segment: string): JsonShapeError {
    this.path.push(segment);
    return this;
  }

  /** `resourceSpans[0].scopeSpans[1].spans[3].traceId` */
  formatPath(): string {
    let out = '';
    for (let i = this.path.length - 1; i >= 0; i--) {
      const segment = this.path[i] as string;
      out += segment.startsWith('[') || out === '' ? segment : `.${segment}`;
    }
    return out;
  }
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A member by its lowerCamelCase name, else by its original snake_case name (protobuf JSON
 * parsers accept both). JSON null means "not set", as in the mapping.
 */
export function member(object: JsonObject, camel: string, snake: string): unknown {
  const value = object[camel];
  if (value !== undefined && value !== null) return value;
  const original = object[snake];
  return original === null ? undefined : original;
}

export function readObject(value: unknown, name: string): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw new JsonShapeError(name, 'expected an object');
  return value;
}

export function readArray(value: unknown, name: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new JsonShapeError(name, 'expected an array');
  return value;
}

export function readString(value: unknown, name: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new JsonShapeError(name, 'expected a string');
  return value;
}

export function readBool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new JsonShapeError(name, 'expected true or false');
  return value;
}

const decimalRe = /^-?[0-9]+$/;
const maxUint64 = (1n << 64n) - 1n;
const minInt64 = -(1n << 63n);
const maxInt64 = (1n << 63n) - 1n;

function readInteger(value: unknown, name: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new JsonShapeError(name, 'expected an integer');
    return BigInt(value);
  }
  if (typeof value === 'string' && decimalRe.test(value)) return BigInt(value);
  throw new JsonShapeError(name, 'expected an integer (a number or a decimal string)');
}

/** fixed64 / uint64 (times): a non-negative integer below 2^64. */
export function readUint64(value: unknown, name: string): Long {
  if (value === undefined) return toLong(0n);
  const big = readInteger(value, name);
  if (big < 0n || big > maxUint64) throw new JsonShapeError(name, 'expected an unsigned 64-bit integer');
  return toLong(big);
}

/** int64 (AnyValue.intValue), signed like the protobuf decoder's Longs. */
export function readInt64(value: unknown, name: string): Long {
  const big = readInteger(value, name);
  if (big < minInt64 || big > maxInt64) throw new JsonShapeError(name, 'expected a signed 64-bit integer');
  return toLong(big).toSigned();
}

/** uint32 / fixed32 (counts, flags). */
export function readUint32(value: unknown, name: string): number {
  if (value === undefined) return 0;
  const big = readInteger(value, name);
  if (big < 0n || big > 0xffffffffn) throw new JsonShapeError(name, 'expected an unsigned 32-bit integer');
  return Number(big);
}

const specialDoubles: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

export function readDouble(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const special = specialDoubles[value];
    if (special !== undefined) return special;
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw new JsonShapeError(name, 'expected a number');
}

const base64Re = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** bytes: standard or URL-safe base64, padded or not (the protobuf JSON mapping accepts both). */
export function readBase64(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string' || !base64Re.test(value)) throw new JsonShapeError(name, 'expected base64 text');
  return Buffer.from(value, 'base64');
}

/** An enum as its number or its name (OTLP/JSON senders must use numbers; parsers accept names). */
export function readEnum(value: unknown, name: string, names: Readonly<Record<string, number>>, enumName: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) return value;
  if (typeof value === 'string') {
    const number = names[value];
    if (number !== undefined) return number;
  }
  throw new JsonShapeError(name, `expected an integer or a ${enumName} name`);
}

const hexRe = /^[0-9a-fA-F]*$/;
const emptyId = new Uint8Array(0);

/** A trace or span id read from hex text, or why it is not one (a span-level problem). */
export type HexIdResult = { bytes: Uint8Array; problem?: undefined } | { bytes: Uint8Array; problem: string };

/**
 * Hex text to id bytes. `hexLength` is what a valid id has (32 or 16); empty text is allowed
 * when `optional` (a root span's parent). Wrong text is not a shape error: it rejects one span.
 */
export function readHexId(value: unknown, name: string, hexLength: number, optional: boolean): HexIdResult {
  if (value === undefined || value === '') {
    return optional ? { bytes: emptyId } : { bytes: emptyId, problem: `${name}: missing (expected ${hexLength} hex characters)` };
  }
  if (typeof value !== 'string') throw new JsonShapeError(name, 'expected a hex string');
  if (!hexRe.test(value)) {
    return { bytes: emptyId, problem: `${name}: expected ${hexLength} hex characters, got non-hex text (OTLP/JSON ids are hex, not base64)` };
  }
  if (value.length !== hexLength) {
    return { bytes: emptyId, problem: `${name}: expected ${hexLength} hex characters, got ${value.length}` };
  }
  return { bytes: Buffer.from(value, 'hex') };
}
