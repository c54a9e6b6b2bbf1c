// A minimal protobuf wire-format reader for the span transcoder (span-json.ts): reads fields
// in place, with no message objects, no Long instances and no maps built on the way.
import { RecordRejectedError } from './clickhouse-values.js';

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

const TWO_32 = 0x1_0000_0000;

export class WireReader {
  readonly buf: Buffer;
  pos: number;
  /** Halves of the last fixed64 read. */
  lo = 0;
  hi = 0;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  /** A varint of up to 32 bits (tags, lengths, enums, uint32, bool). Longer varints keep their low 32 bits. */
  uint32(): number {
    const buf = this.buf;
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= buf.length) throw truncated();
      const b = buf[this.pos++] as number;
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
      shift += 7;
      if (shift > 63) throw new RecordRejectedError('DECODE_FAILED', 'varint longer than 10 bytes');
    }
  }

  /** An int64 varint as decimal text (two's complement for negatives). */
  int64Text(): string {
    const buf = this.buf;
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= buf.length) throw truncated();
      const b = buf[this.pos++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
      if (this.pos - start > 10) throw new RecordRejectedError('DECODE_FAILED', 'varint longer than 10 bytes');
    }
    if (value < Number.MAX_SAFE_INTEGER) return String(value);
    // Beyond 2^53 (or negative: ten bytes): redo it exactly.
    let big = 0n;
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt((buf[i] as number) & 0x7f);
    return BigInt.asIntN(64, big).toString();
  }

  /** A 64-bit varint into `lo` and `hi` (two's complement for negative int64). */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) throw truncated();
      const b = buf[this.pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new RecordRejectedError('DECODE_FAILED', 'varint longer than 10 bytes');
  }

  fixed64(): void {
    if (this.pos + 8 > this.buf.length) throw truncated();
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) throw truncated();
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** The end position of a length-delimited field whose tag was just read. */
  end(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.buf.length) throw truncated();
    return end;
  }

  string(): string {
    const end = this.end();
    const value = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return value;
  }

  base64(): string {
    const end = this.end();
    const value = this.buf.toString('base64', this.pos, end);
    this.pos = end;
    return value;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.uint32();
        return;
      case FIXED64:
        this.pos += 8;
        break;
      case LENGTH_DELIMITED:
        this.pos = this.end();
        return;
      case FIXED32:
        this.pos += 4;
        break;
      default:
        throw new RecordRejectedError('DECODE_FAILED', `unsupported wire type ${wireType}`);
    }
    if (this.pos > this.buf.length) throw truncated();
  }
}

/** A fixed64 as a JavaScript number: exact below 2^53. */
export function fixed64Number(lo: number, hi: number): number {
  return hi * TWO_32 + lo;
}

function truncated(): RecordRejectedError {
  return new RecordRejectedError('DECODE_FAILED', 'truncated protobuf message');
}

export function wrongWireType(message: string, field: number, wireType: number): RecordRejectedError {
  return new RecordRejectedError('DECODE_FAILED', `${message} field ${field} has wire type ${wireType}`);
}
