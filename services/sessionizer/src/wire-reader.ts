// Minimal protobuf wire-format reading over a Buffer. The sessionizer reads a few fields of
// each SpanRecord without the generated decoder, which would build every attribute map (about
// ten times the cost); everything it does not need is skipped by length.

/** Thrown for bytes that are not a well-formed protobuf message. */
export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMessageError';
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** A cursor over one message's bytes; `end` bounds an embedded message. */
export class WireReader {
  pos: number;
  readonly buf: Buffer;
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** A varint up to 2^53 (larger values lose precision, which no field read here needs). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let factor = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedMessageError('truncated varint');
      const byte = buf[this.pos++] as number;
      result += (byte & 0x7f) * factor;
      if (byte < 0x80) return result;
      factor *= 128;
    }
    throw new MalformedMessageError('varint longer than 10 bytes');
  }

  /** A fixed64 as a double: nanosecond times keep ~256 ns precision, plenty for clocks and gaps. */
  fixed64(): number {
    if (this.pos + 8 > this.end) throw new MalformedMessageError('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 4_294_967_296 + lo;
  }

  /** Length of a length-delimited field; leaves pos at its first byte. */
  length(): number {
    const length = this.varint();
    if (this.pos + length > this.end) throw new MalformedMessageError('length-delimited field runs past the end');
    return length;
  }

  string(): string {
    const length = this.length();
    const value = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  /** For ids and enum-like names that are ASCII: cheaper than UTF-8 decoding. */
  ascii(): string {
    const length = this.length();
    const value = this.buf.toString('latin1', this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_LENGTH_DELIMITED: {
        // Not `this.pos += this.length()`: that reads pos before length() moves it.
        const length = this.length();
        this.pos += length;
        return;
      }
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new MalformedMessageError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new MalformedMessageError('field runs past the end');
  }
}
