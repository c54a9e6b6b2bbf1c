// Trace and span ids: OTLP bytes in, lowercase hex out, with the validity rules of the OTLP
// specification (trace id 16 bytes, span id 8 bytes, neither all zeros).
import { Buffer } from 'node:buffer';

/** Node's hex encoder without Buffer#toString's argument handling; not in @types/node. */
interface HexSliceable {
  hexSlice(start: number, end: number): string;
}

function hex(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (buffer as unknown as HexSliceable).hexSlice(0, buffer.length);
}

function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A required id as hex, or the problem (as the rejection reason states it). */
export function requiredIdHex(bytes: Uint8Array | null | undefined, field: string, length: number): { hex: string } | { problem: string } {
  const actual = bytes?.length ?? 0;
  if (bytes == null || actual !== length) {
    return { problem: actual === 0 ? `${field} missing` : `${field}: expected ${length} bytes, got ${actual}` };
  }
  if (allZero(bytes)) return { problem: `${field} is all zeros` };
  return { hex: hex(bytes) };
}

/**
 * A parent span id as hex: empty for a root span. All zeros also means root (the W3C invalid
 * span id; some SDKs send it for "no parent"). Any other length than 0 or 8 is a problem.
 */
export function parentIdHex(bytes: Uint8Array | null | undefined): { hex: string } | { problem: string } {
  if (bytes == null || bytes.length === 0) return { hex: '' };
  if (bytes.length !== 8) return { problem: `parent_span_id: expected 8 bytes or none, got ${bytes.length}` };
  return { hex: allZero(bytes) ? '' : hex(bytes) };
}
