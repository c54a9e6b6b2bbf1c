// A protobuf wire writer over one growable scratch Buffer, for records that are written many at
// a time (a request's spans): no per-field operation objects, no per-message Buffer. Nested
// message lengths are back-patched: `fork` reserves room for the length varint, `ldelim` writes
// it and moves the content when the reserve was not the varint's size. Every primitive writes
// the same bytes as protobufjs' BufferWriter (7.x), so output is byte-identical to the generated
// encoders: minimal varints, 10-byte negative int32, protobufjs' own UTF-8 writer for strings
// under 40 characters and Buffer#utf8Write for longer ones (they differ only on lone surrogates).
import { Buffer } from 'node:buffer';

/** The 64-bit integer shape of the generated code (a `Long`), or a plain number. */
export type Int64 = number | { readonly low: number; readonly high: number };

/** Node's UTF-8 writer without argument parsing (what protobufjs uses too); not in @types/node. */
interface Utf8Writable {
  utf8Write(value: string, offset: number): number;
}

const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);

/** The two 32-bit halves of the last value given to splitInt64 (no object per value). */
const bits = { lo: 0, hi: 0 };

/** protobufjs `LongBits.from` for a Long or a number (two's complement for negative numbers). */
function splitInt64(value: Int64): void {
  if (typeof value !== 'number') {
    bits.lo = value.low >>> 0;
    bits.hi = value.high >>> 0;
    return;
  }
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  let lo = magnitude >>> 0;
  let hi = ((magnitude - lo) / 4294967296) >>> 0;
  if (negative) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 4294967295) {
      lo = 0;
      if (++hi > 4294967295) hi = 0;
    }
  }
  bits.lo = lo;
  bits.hi = hi;
}

export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** protobufjs' utf8.write: lone surrogates become three bytes of their own code unit. */
function writeUtf8Short(value: string, buf: Buffer, at: number): number {
  const start = at;
  for (let i = 0; i < value.length; i++) {
    let c1 = value.charCodeAt(i);
    if (c1 < 0x80) {
      buf[at++] = c1;
    } else if (c1 < 0x800) {
      buf[at++] = (c1 >> 6) | 0xc0;
      buf[at++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x3ff) << 10) + (value.charCodeAt(++i) & 0x3ff);
      buf[at++] = (c1 >> 18) | 0xf0;
      buf[at++] = ((c1 >> 12) & 0x3f) | 0x80;
      buf[at++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[at++] = (c1 & 0x3f) | 0x80;
    } else {
      buf[at++] = (c1 >> 12) | 0xe0;
      buf[at++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[at++] = (c1 & 0x3f) | 0x80;
    }
  }
  return at - start;
}

export class WireWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts over at 0; a buffer grown beyond `maxRetainedBytes` is dropped for a fresh one. */
  reset(initialBytes: number, maxRetainedBytes: number): void {
    this.pos = 0;
    if (this.buf.length > maxRetainedBytes) this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `bytes` more bytes after `pos`. */
  ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A field tag or any unsigned 32-bit varint (protobufjs `uint32`: the value is taken `>>> 0`). */
  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let v = value >>> 0;
    let at = this.pos;
    while (v > 127) {
      buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[at++] = v;
    this.pos = at;
  }

  /** protobufjs `int32` (enums): negative values take ten bytes, sign-extended. */
  int32(value: number): void {
    const v = value | 0;
    if (v < 0) this.varint64(v >>> 0, 0xffffffff);
    else this.uint32(v);
  }

  /** int64 / uint64 varint of a Long or a number (protobufjs `LongBits.from`). */
  int64(value: Int64): void {
    splitInt64(value);
    this.varint64(bits.lo, bits.hi);
  }

  private varint64(low: number, high: number): void {
    this.ensure(10);
    const buf = this.buf;
    let at = this.pos;
    let lo = low;
    let hi = high;
    while (hi) {
      buf[at++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[at++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[at++] = lo;
    this.pos = at;
  }

  /** fixed64 of a Long or a number, little-endian. */
  fixed64(value: Int64): void {
    splitInt64(value);
    const { lo, hi } = bits;
    this.ensure(8);
    const buf = this.buf;
    const at = this.pos;
    buf[at] = lo & 255;
    buf[at + 1] = (lo >>> 8) & 255;
    buf[at + 2] = (lo >>> 16) & 255;
    buf[at + 3] = lo >>> 24;
    buf[at + 4] = hi & 255;
    buf[at + 5] = (hi >>> 8) & 255;
    buf[at + 6] = (hi >>> 16) & 255;
    buf[at + 7] = hi >>> 24;
    this.pos = at + 8;
  }

  double(value: number): void {
    this.ensure(8);
    float64[0] = value;
    const buf = this.buf;
    const at = this.pos;
    for (let i = 0; i < 8; i++) buf[at + i] = float64Bytes[i] as number;
    this.pos = at + 8;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /** A length-prefixed UTF-8 string. */
  string(value: string): void {
    const length = value.length;
    if (length < 43) {
      // At most 126 bytes: the length takes one byte whatever the text.
      this.ensure(1 + 3 * length);
      const buf = this.buf;
      const at = this.pos;
      const bytes = length < 40 ? writeUtf8Short(value, buf, at + 1) : (buf as unknown as Utf8Writable).utf8Write(value, at + 1);
      buf[at] = bytes;
      this.pos = at + 1 + bytes;
      return;
    }
    // Guess the prefix from the character count (exact for ASCII), move the text if it was wrong.
    this.ensure(5 + 3 * length);
    const buf = this.buf;
    const at = this.pos;
    const guess = varintSize(length);
    const bytes = (buf as unknown as Utf8Writable).utf8Write(value, at + guess);
    const size = varintSize(bytes);
    if (size !== guess) buf.copyWithin(at + size, at + guess, at + guess + bytes);
    this.pos = at;
    this.uint32(bytes);
    this.pos += bytes;
  }

  /** A length-prefixed byte string. */
  bytes(value: Uint8Array): void {
    const length = value.length;
    this.uint32(length);
    if (length === 0) return;
    this.ensure(length);
    this.buf.set(value, this.pos);
    this.pos += length;
  }

  /** Raw bytes, already encoded (a precomputed field group). */
  raw(value: Uint8Array): void {
    const length = value.length;
    if (length === 0) return;
    this.ensure(length);
    this.buf.set(value, this.pos);
    this.pos += length;
  }

  /** A string field: its tag (wire type 2), then the string. */
  stringField(tag: number, value: string): void {
    this.uint32(tag);
    this.string(value);
  }

  uint32Field(tag: number, value: number): void {
    this.uint32(tag);
    this.uint32(value);
  }

  int32Field(tag: number, value: number): void {
    this.uint32(tag);
    this.int32(value);
  }

  int64Field(tag: number, value: Int64): void {
    this.uint32(tag);
    this.int64(value);
  }

  fixed64Field(tag: number, value: Int64): void {
    this.uint32(tag);
    this.fixed64(value);
  }

  /**
   * Starts a length-delimited message: reserves `reserve` bytes for its length (the size the
   * caller expects its varint to have) and returns the mark to pass to `ldelim`.
   */
  fork(reserve: number): number {
    this.ensure(reserve);
    const mark = this.pos;
    this.pos = mark + reserve;
    return mark;
  }

  /** Ends the message started at `mark`: writes its length there, moving the content if needed. */
  ldelim(mark: number, reserve: number): void {
    const start = mark + reserve;
    const end = this.pos;
    const length = end - start;
    const size = varintSize(length);
    if (size !== reserve) {
      if (size > reserve) this.ensure(size - reserve);
      this.buf.copyWithin(mark + size, start, end);
    }
    this.pos = mark;
    this.uint32(length);
    this.pos = mark + size + length;
  }
}
