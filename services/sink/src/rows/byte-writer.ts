// A growable byte buffer for ClickHouse's RowBinary format: little-endian fixed-width values,
// LEB128 lengths and counts, strings as length + raw bytes (no escaping, unlike JSON).

export class ByteWriter {
  buf: Buffer;
  pos = 0;
  /** Items written (array elements, map entries), for callers that prefix a count. */
  count = 0;

  constructor(initialBytes = 4_096) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.pos = 0;
    this.count = 0;
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = value;
    buf[p++] = value >>> 8;
    buf[p++] = value >>> 16;
    buf[p++] = value >>> 24;
    this.pos = p;
  }

  /** A 64-bit integer given as two unsigned 32-bit halves. */
  u64(lo: number, hi: number): void {
    this.u32(lo);
    this.u32(hi);
  }

  /** A non-negative integer below 2^53 as UInt64. */
  u64Number(value: number): void {
    this.u64(value % 0x1_0000_0000, Math.floor(value / 0x1_0000_0000));
  }

  f64(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** LEB128, as RowBinary writes lengths and counts. */
  varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /**
   * Raw bytes [start, end) of `source`. Short runs are copied by hand, cheaper than a native
   * call; long ones through a plain Uint8Array view (Buffer#subarray costs more to create).
   */
  raw(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.ensure(length);
    if (length < 64) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = source[i] as number;
    } else {
      this.buf.set(new Uint8Array(source.buffer, source.byteOffset + start, length), this.pos);
    }
    this.pos += length;
  }

  /** Bytes already encoded (e.g. a String value with its length), copied whole. */
  encoded(value: Uint8Array): void {
    this.raw(value, 0, value.length);
  }

  /** A String value from bytes [start, end) of `source`. */
  stringBytes(source: Uint8Array, start: number, end: number): void {
    this.varint(end - start);
    this.raw(source, start, end);
  }

  /** A String value from a JavaScript string. */
  string(value: string): void {
    const length = Buffer.byteLength(value);
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** Another writer's bytes, prefixed by its count (an Array or Map value). */
  counted(other: ByteWriter): void {
    this.varint(other.count);
    this.raw(other.buf, 0, other.pos);
  }

  /** The written bytes, copied out. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
