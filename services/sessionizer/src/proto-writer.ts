// Protobuf wire writing into a reusable, growing buffer, for the record header (summary, turns,
// steps). It writes what the generated encoder (protobufjs) writes for the same values, in the
// same order, so a record is byte-identical to `SessionRecord.encode`; strings can come straight
// from span bytes, without a JS string in between.
import { isUtf8 } from 'node:buffer';

const TWO_32 = 4_294_967_296;
/** Up to this many bytes are copied by a loop rather than Buffer.copy. */
const SMALL_COPY = 64;

export class ProtoWriter {
  buf: Buffer;
  pos = 0;
  readonly #forks: number[] = [];

  constructor(size = 16 * 1_024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
    this.#forks.length = 0;
  }

  /** Makes room for `bytes` more. */
  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** A varint of a non-negative integer below 2^64 (exact below 2^53, as protobufjs's uint32 and Long paths). */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (value >= 128) {
      buf[pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** A varint of a 64-bit value given as unsigned 32-bit halves. */
  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.varint(lo);
      return;
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    // 28 low bits, then the rest as one number below 2^36 (exact in a double).
    for (let i = 0; i < 4; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    let rest = lo + hi * 16;
    while (rest >= 128) {
      buf[pos++] = (rest % 128) | 0x80;
      rest = Math.floor(rest / 128);
    }
    buf[pos++] = rest;
    this.pos = pos;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** uint32 field (and int32/enum fields, whose values here are never negative). */
  uint32Field(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value >>> 0);
  }

  boolField(field: number, value: boolean): void {
    this.tag(field, 0);
    this.varint(value ? 1 : 0);
  }

  fixed64Field(field: number, lo: number, hi: number): void {
    this.tag(field, 1);
    this.ensure(8);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = lo & 0xff;
    buf[pos + 1] = (lo >>> 8) & 0xff;
    buf[pos + 2] = (lo >>> 16) & 0xff;
    buf[pos + 3] = lo >>> 24;
    buf[pos + 4] = hi & 0xff;
    buf[pos + 5] = (hi >>> 8) & 0xff;
    buf[pos + 6] = (hi >>> 16) & 0xff;
    buf[pos + 7] = hi >>> 24;
    this.pos = pos + 8;
  }

  /** int64 field from a non-negative number (as Long.fromNumber would give it: capped at 2^63 - 1). */
  int64Field(field: number, value: number): void {
    this.tag(field, 0);
    if (value >= 2 ** 63) this.varint64(0xffff_ffff, 0x7fff_ffff);
    else this.varint64(value % TWO_32, Math.floor(value / TWO_32));
  }

  stringField(field: number, value: string): void {
    this.tag(field, 2);
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** A string field of bytes that the reader decodes as UTF-8 (protobuf `string`): copied when valid UTF-8. */
  utf8Field(field: number, src: Buffer, at: number, length: number): void {
    if (!isAscii(src, at, length) && !isUtf8(src.subarray(at, at + length))) {
      this.stringField(field, src.toString('utf8', at, at + length));
      return;
    }
    this.rawField(field, src, at, length);
  }

  /** A string field of bytes that were read as latin1 (ids): copied when ASCII. */
  latin1Field(field: number, src: Buffer, at: number, length: number): void {
    if (!isAscii(src, at, length)) {
      this.stringField(field, src.toString('latin1', at, at + length));
      return;
    }
    this.rawField(field, src, at, length);
  }

  rawField(field: number, src: Buffer, at: number, length: number): void {
    this.tag(field, 2);
    this.varint(length);
    this.ensure(length);
    if (length <= SMALL_COPY) {
      // Ids and names: a loop is cheaper than the native call.
      const buf = this.buf;
      const pos = this.pos;
      for (let i = 0; i < length; i++) buf[pos + i] = src[at + i] as number;
    } else src.copy(this.buf, this.pos, at, at + length);
    this.pos += length;
  }

  /** Copies bytes already written elsewhere (e.g. framed steps). */
  raw(src: Buffer, at: number, end: number): void {
    this.ensure(end - at);
    src.copy(this.buf, this.pos, at, end);
    this.pos += end - at;
  }

  /** Starts a length-delimited field whose length is known at ldelim(). */
  fork(field: number): void {
    this.tag(field, 2);
    this.ensure(1);
    this.pos++;
    this.#forks.push(this.pos);
  }

  ldelim(): void {
    const start = this.#forks.pop() as number;
    const length = this.pos - start;
    if (length < 128) {
      this.buf[start - 1] = length;
      return;
    }
    // The length takes more than the byte reserved: move the content up.
    let size = 1;
    for (let rest = length; rest >= 128; rest = Math.floor(rest / 128)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(start + size - 1, start, this.pos);
    const end = this.pos + size - 1;
    this.pos = start - 1;
    this.varint(length);
    this.pos = end;
  }
}

function isAscii(buf: Buffer, at: number, length: number): boolean {
  for (let i = at, end = at + length; i < end; i++) if ((buf[i] as number) >= 0x80) return false;
  return true;
}
