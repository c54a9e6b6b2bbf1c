// Decides whether the engine's Protobuf reader (span-protobuf.ts) may read a SpanRecord as it is,
// and frames it for it. The engine stores the same row as the RowBinary transcoder only for a
// record in canonical shape, which every protobuf encoder writes (ingest's included):
//
// - every known field with its declared wire type, nothing truncated, the top-level varints
//   (enums, uint32, bool) within 32 bits;
// - no singular string field given twice in one message: ClickHouse replaces such a value with an
//   empty string (ProtobufSerializerString::readRow drops the replacement), where protobuf says
//   the last one wins; a repeated gen_ai, scope, event or link attribute message is also refused
//   (merged by the engine in another order than the transcoder's);
// - Attributes map entries as key then value, text-mapped Attributes (scope, events, links) with
//   their maps in field order (the transcoder keeps wire order, the SELECT field order);
// - storable: tenant, trace id and span id present, every time within DateTime64(9).
//
// Anything else is not refused here: the caller transcodes the record, and the transcoder
// decides (a row, or the dead-letter code it gives today). A canonical record is framed by a
// length prefix and handed to the insert as it is: never copied.

// One Buffer type only (never a plain Uint8Array), so that element reads stay monomorphic.
const empty = Buffer.alloc(0);
let buf: Buffer = empty;
let pos = 0;

/** A varint of up to 32 bits (tags, lengths), or -1 when longer or truncated. */
function varint32(end: number): number {
  if (pos < end) {
    const b0 = buf[pos] as number;
    if (b0 < 0x80) {
      pos++;
      return b0;
    }
    if (pos + 1 < end) {
      const b1 = buf[pos + 1] as number;
      if (b1 < 0x80) {
        pos += 2;
        return (b0 & 0x7f) | (b1 << 7);
      }
    }
  }
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) return -1;
    const b = buf[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value > 0xffffffff ? -1 : value;
  }
  return -1;
}

/** A field tag, or -1 when malformed or of field number 0 (which no message has). */
function readTag(end: number): number {
  const tag = varint32(end);
  return tag < 8 ? -1 : tag;
}

/** Skips a varint of up to 10 bytes; false when truncated or longer. */
function skipVarint(end: number): boolean {
  const limit = end < pos + 10 ? end : pos + 10;
  while (pos < limit) if ((buf[pos++] as number) < 0x80) return true;
  return false;
}

/** The end of a length-delimited payload whose tag was just read, or -1. */
function payloadEnd(end: number): number {
  const length = varint32(end);
  if (length < 0 || pos + length > end) return -1;
  return pos + length;
}

/** Whether the fixed64 at `pos` (little-endian) is below 2^63, then skips it. */
function fixed64InRange(end: number): boolean {
  if (pos + 8 > end) return false;
  const high = buf[pos + 7] as number;
  pos += 8;
  return high < 0x80;
}

/** Skips an unknown field's payload; false when it is malformed. */
function skipUnknown(wireType: number, end: number): boolean {
  switch (wireType) {
    case 0:
      return skipVarint(end);
    case 1:
      pos += 8;
      return pos <= end;
    case 2: {
      const stop = payloadEnd(end);
      pos = stop;
      return stop >= 0;
    }
    case 5:
      pos += 4;
      return pos <= end;
    default:
      return false;
  }
}

// Per message type, field number → expected wire type (0 varint, 1 fixed64, 2 length-delimited),
// and the singular string fields (a bit each).
const spanWire = wireTable({ 0: [3, 8, 11, 15, 25, 26, 27, 28, 32, 33], 1: [9, 10, 29], 2: [1, 2, 4, 5, 6, 7, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 34] });
const spanStrings = bits([1, 2, 4, 5, 6, 7, 12, 13, 14, 18, 19, 24, 30, 31]);
const genAiWire = wireTable({ 0: [6, 7, 8, 24], 2: [1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] });
/** Strings and tokens: a token given twice is refused too (Nullable replacement is not relied on). */
const genAiSingular = bits([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19, 20, 22, 23, 24]);
const eventWire = wireTable({ 0: [4], 1: [1], 2: [2, 3] });
const linkWire = wireTable({ 0: [5, 6], 2: [1, 2, 3, 4] });
const messageWire = wireTable({ 2: [1, 2, 3, 4, 5, 6] });
const toolCallWire = wireTable({ 2: [1, 2, 3] });
/** Attributes map number → wire type of its values (string, int64, double, bool, bytes). */
const mapValueWire = [-1, 2, 0, 1, 0, 2];

function wireTable(byType: Record<number, number[]>): Int8Array {
  const table = new Int8Array(64).fill(-1);
  for (const [wireType, fields] of Object.entries(byType)) for (const f of fields) table[f] = Number(wireType);
  return table;
}

/** A 32-bit mask of field numbers (all below 32). */
function bits(fields: number[]): number {
  let mask = 0;
  for (const f of fields) mask |= 1 << f;
  return mask;
}

/** `mask` has the bit of `field`; fields of 32 and above have none. */
function has(mask: number, field: number): boolean {
  return field < 32 && ((mask >>> field) & 1) === 1;
}

/**
 * True when the record is in canonical shape and storable: the engine may read it as it is. The
 * walk reads tags and lengths only, never the values.
 */
export function isCanonicalSpan(bytes: Buffer): boolean {
  buf = bytes;
  pos = 0;
  const exact = canonicalSpan(bytes.length);
  buf = empty;
  return exact;
}

// Length prefixes (the varints that frame each message) below 2^14: two-byte views of one slab,
// made once each, so that framing a record allocates and copies nothing.
const prefixSlab = Buffer.alloc(2 * 16_384);
const prefixes: (Buffer | undefined)[] = [];

/** The varint length prefix of a `length`-byte message. */
export function lengthPrefix(length: number): Buffer {
  if (length < 16_384) {
    let prefix = prefixes[length];
    if (prefix === undefined) {
      const at = 2 * length;
      if (length < 128) {
        prefixSlab[at] = length;
        prefix = prefixSlab.subarray(at, at + 1);
      } else {
        prefixSlab[at] = (length & 0x7f) | 0x80;
        prefixSlab[at + 1] = length >>> 7;
        prefix = prefixSlab.subarray(at, at + 2);
      }
      prefixes[length] = prefix;
    }
    return prefix;
  }
  const bytes: number[] = [];
  let rest = length;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function canonicalSpan(end: number): boolean {
  let seen = 0;
  let tenant = 0;
  let traceId = 0;
  let spanId = 0;
  let genAi = false;
  let scope = false;
  while (pos < end) {
    const tag = readTag(end);
    if (tag < 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field < 64 ? (spanWire[field] as number) : -1;
    if (expected < 0) {
      if (!skipUnknown(wireType, end)) return false;
      continue;
    }
    if (wireType !== expected) return false;
    if (wireType === 0) {
      // Enums, uint32 and bool, read by the engine as uint32: five bytes at most, below 2^32.
      if (varint32(end) < 0) return false;
      continue;
    }
    if (wireType === 1) {
      if (!fixed64InRange(end)) return false;
      continue;
    }
    const stop = payloadEnd(end);
    if (stop < 0) return false;
    if (has(spanStrings, field)) {
      if (has(seen, field)) return false;
      seen |= 1 << field;
      if (field === 1) tenant = stop - pos;
      else if (field === 4) traceId = stop - pos;
      else if (field === 5) spanId = stop - pos;
      pos = stop;
      continue;
    }
    let ok = true;
    switch (field) {
      case 16:
      case 17:
        ok = canonicalAttributes(stop, false);
        break;
      case 20:
        ok = !scope && canonicalAttributes(stop, true);
        scope = true;
        break;
      case 21:
        ok = canonicalEvent(stop);
        break;
      case 22:
        ok = canonicalLink(stop);
        break;
      case 23:
        ok = !genAi && canonicalGenAi(stop);
        genAi = true;
        break;
      default:
        pos = stop; // lifted_attribute_keys (repeated string)
    }
    if (!ok || pos !== stop) return false;
  }
  return pos === end && tenant > 0 && traceId > 0 && spanId > 0;
}

/**
 * An Attributes message; `ordered`: its maps must come in field order (text-mapped ones). The
 * hottest walk (a span's attributes are most of its fields): locals only, one-byte lengths inline.
 */
function canonicalAttributes(end: number, ordered: boolean): boolean {
  const b = buf;
  let p = pos;
  let last = 0;
  while (p < end) {
    // The entry's tag: one byte, a map field (1-5), length-delimited.
    const tag = b[p++] as number;
    const map = tag >>> 3;
    if ((tag & 7) !== 2 || map < 1 || map > 5 || (ordered && map < last)) return false;
    last = map;
    if (p >= end) return false;
    let length = b[p++] as number;
    if (length >= 0x80) {
      pos = p - 1;
      length = varint32(end);
      p = pos;
      if (length < 0) return false;
    }
    const stop = p + length;
    if (stop > end) return false;
    // One entry: an optional key (field 1), then an optional value (field 2), nothing else.
    if (p < stop && b[p] === 0x0a) {
      if (p + 1 >= stop) return false;
      let keyLength = b[p + 1] as number;
      p += 2;
      if (keyLength >= 0x80) {
        pos = p - 1;
        keyLength = varint32(stop);
        p = pos;
        if (keyLength < 0) return false;
      }
      p += keyLength;
    }
    if (p < stop) {
      const valueWire = mapValueWire[map] as number;
      if (b[p++] !== (16 | valueWire)) return false;
      if (valueWire === 2) {
        if (p >= stop) return false;
        let valueLength = b[p++] as number;
        if (valueLength >= 0x80) {
          pos = p - 1;
          valueLength = varint32(stop);
          p = pos;
          if (valueLength < 0) return false;
        }
        p += valueLength;
      } else if (valueWire === 0) {
        pos = p;
        if (!skipVarint(stop)) return false;
        p = pos;
      } else {
        p += 8;
      }
    }
    if (p !== stop) return false;
  }
  pos = p;
  return true;
}

/** Walks a message's fields against its wire table; strings (and nested parts) at most once. */
function canonicalEvent(end: number): boolean {
  let seen = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag < 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field < 64 ? (eventWire[field] as number) : -1;
    if (expected < 0) {
      if (!skipUnknown(wireType, end)) return false;
      continue;
    }
    if (wireType !== expected || (field !== 4 && has(seen, field))) return false;
    if (field !== 4) seen |= 1 << field;
    if (field === 1) {
      if (!fixed64InRange(end)) return false;
    } else if (field === 4) {
      if (!skipVarint(end)) return false;
    } else {
      const stop = payloadEnd(end);
      if (stop < 0) return false;
      if (field === 3 && !canonicalAttributes(stop, true)) return false;
      pos = stop;
    }
  }
  return pos === end;
}

function canonicalLink(end: number): boolean {
  let seen = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag < 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field < 64 ? (linkWire[field] as number) : -1;
    if (expected < 0) {
      if (!skipUnknown(wireType, end)) return false;
      continue;
    }
    if (wireType !== expected) return false;
    if (wireType === 0) {
      if (!skipVarint(end)) return false;
      continue;
    }
    if (has(seen, field)) return false;
    seen |= 1 << field;
    const stop = payloadEnd(end);
    if (stop < 0) return false;
    if (field === 4 && !canonicalAttributes(stop, true)) return false;
    pos = stop;
  }
  return pos === end;
}

function canonicalGenAi(end: number): boolean {
  let seen = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag < 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field < 64 ? (genAiWire[field] as number) : -1;
    if (expected < 0) {
      if (!skipUnknown(wireType, end)) return false;
      continue;
    }
    if (wireType !== expected) return false;
    if (has(genAiSingular, field)) {
      if (has(seen, field)) return false;
      seen |= 1 << field;
    }
    if (wireType === 0) {
      if (!skipVarint(end)) return false;
      continue;
    }
    const stop = payloadEnd(end);
    if (stop < 0) return false;
    if ((field === 16 || field === 17) && !canonicalMessage(stop)) return false;
    pos = stop;
  }
  return pos === end;
}

/** A GenAiMessage (its tool calls included). */
function canonicalMessage(end: number): boolean {
  let seen = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag < 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field < 64 ? (messageWire[field] as number) : -1;
    if (expected < 0) {
      if (!skipUnknown(wireType, end)) return false;
      continue;
    }
    if (wireType !== expected) return false;
    const stop = payloadEnd(end);
    if (stop < 0) return false;
    if (field === 3) {
      if (!canonicalToolCall(stop)) return false;
    } else {
      if (has(seen, field)) return false;
      seen |= 1 << field;
    }
    pos = stop;
  }
  return pos === end;
}

function canonicalToolCall(end: number): boolean {
  let seen = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag < 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = field < 64 ? (toolCallWire[field] as number) : -1;
    if (expected < 0) {
      if (!skipUnknown(wireType, end)) return false;
      continue;
    }
    if (wireType !== expected || has(seen, field)) return false;
    seen |= 1 << field;
    const stop = payloadEnd(end);
    if (stop < 0) return false;
    pos = stop;
  }
  return pos === end;
}
