// Conversions for the two value kinds the generated code leaves awkward: 64-bit integers
// (protobufjs uses `long`'s Long; JavaScript code wants bigint) and ids (OTLP carries bytes,
// tracebar records carry lowercase hex).
import { Buffer } from 'node:buffer';
import Long from 'long';

/**
 * A bigint (or safe integer) as a Long for an int64/uint64/fixed64 field. protobufjs writes a
 * bigint given directly as 0, so always go through this.
 */
export function toLong(value: bigint | number): Long {
  const big = BigInt(value);
  return Long.fromBigInt(big, big >= 0n);
}

/** A decoded 64-bit field (Long, or a number from a plain object) as a bigint. */
export function toBigInt(value: Long | number | string | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  return value.toBigInt();
}

const hexRe = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex of an id's bytes (OTLP trace/span id → tracebar record id). */
export function idToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of a hex id; throws RangeError for odd length or non-hex characters. */
export function idFromHex(hex: string): Uint8Array {
  const lower = hex.toLowerCase();
  if (!hexRe.test(lower)) throw new RangeError(`not a hex id: ${JSON.stringify(hex.slice(0, 64))}`);
  return new Uint8Array(Buffer.from(lower, 'hex'));
}
