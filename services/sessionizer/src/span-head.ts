// The hot path reads each encoded SpanRecord once, as it arrives: times, the end marker and the
// service name for grouping and clocks, plus where the fields that assembly needs are (ids,
// name, GenAI message, exact times, status). Those positions are kept with the span, so closing
// a session does not walk its spans' top-level fields again.
import { MalformedMessageError, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from './wire-reader.js';

// SpanRecord field numbers (proto/tracebar/v1/span.proto).
const TRACE_ID = 4;
const SPAN_ID = 5;
const PARENT_SPAN_ID = 6;
const NAME = 7;
const START = 9;
const END = 10;
const STATUS = 11;
const SERVICE_NAME = 13;
const SESSION_END = 15;
const GEN_AI = 23;
const RECEIVED = 29;

/**
 * What the sessionizer reads of a span as it arrives. Times are ns since the epoch, as doubles
 * for the clocks and as exact unsigned 32-bit halves for the record. Positions are byte offsets
 * into the span's bytes; a length of 0 means absent or empty (the same to assembly).
 */
export interface SpanHead {
  startNs: number;
  endNs: number;
  /** 0 when ingest did not set it. */
  receivedNs: number;
  sessionEnd: boolean;
  /** Byte range of service_name in the span's bytes; start < 0 when absent. */
  serviceStart: number;
  serviceEnd: number;
  startLo: number;
  startHi: number;
  endLo: number;
  endHi: number;
  /** status_code, saturated at 2^32 - 1 (only ERROR = 2 is looked at). */
  status: number;
  traceAt: number;
  traceLength: number;
  spanAt: number;
  spanLength: number;
  parentAt: number;
  parentLength: number;
  nameAt: number;
  nameLength: number;
  genAiAt: number;
  genAiLength: number;
}

export function emptyHead(): SpanHead {
  return {
    startNs: 0,
    endNs: 0,
    receivedNs: 0,
    sessionEnd: false,
    serviceStart: -1,
    serviceEnd: -1,
    startLo: 0,
    startHi: 0,
    endLo: 0,
    endHi: 0,
    status: 0,
    traceAt: 0,
    traceLength: 0,
    spanAt: 0,
    spanLength: 0,
    parentAt: 0,
    parentLength: 0,
    nameAt: 0,
    nameLength: 0,
    genAiAt: 0,
    genAiLength: 0,
  };
}

/** Fills `head` from an encoded SpanRecord; throws MalformedMessageError on bad bytes. */
export function readSpanHead(bytes: Buffer, head: SpanHead): SpanHead {
  head.startNs = 0;
  head.endNs = 0;
  head.receivedNs = 0;
  head.sessionEnd = false;
  head.serviceStart = -1;
  head.serviceEnd = -1;
  head.startLo = 0;
  head.startHi = 0;
  head.endLo = 0;
  head.endHi = 0;
  head.status = 0;
  head.traceLength = 0;
  head.spanLength = 0;
  head.parentLength = 0;
  head.nameLength = 0;
  head.genAiLength = 0;
  const reader = new WireReader(bytes);
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WIRE_LENGTH_DELIMITED) {
      if (field <= NAME && field >= TRACE_ID) {
        const length = reader.length();
        const at = reader.pos;
        reader.pos += length;
        if (field === TRACE_ID) {
          head.traceAt = at;
          head.traceLength = length;
        } else if (field === SPAN_ID) {
          head.spanAt = at;
          head.spanLength = length;
        } else if (field === PARENT_SPAN_ID) {
          head.parentAt = at;
          head.parentLength = length;
        } else {
          head.nameAt = at;
          head.nameLength = length;
        }
        continue;
      }
      if (field === GEN_AI || field === SERVICE_NAME) {
        const length = reader.length();
        if (field === GEN_AI) {
          head.genAiAt = reader.pos;
          head.genAiLength = length;
        } else {
          head.serviceStart = reader.pos;
          head.serviceEnd = reader.pos + length;
        }
        reader.pos += length;
        continue;
      }
    } else if (wireType === WIRE_FIXED64) {
      if (field === START || field === END || field === RECEIVED) {
        if (reader.pos + 8 > reader.end) throw new MalformedMessageError('truncated fixed64');
        const lo = bytes.readUInt32LE(reader.pos);
        const hi = bytes.readUInt32LE(reader.pos + 4);
        reader.pos += 8;
        const ns = hi * 4_294_967_296 + lo;
        if (field === START) {
          head.startNs = ns;
          head.startLo = lo;
          head.startHi = hi;
        } else if (field === END) {
          head.endNs = ns;
          head.endLo = lo;
          head.endHi = hi;
        } else head.receivedNs = ns;
        continue;
      }
    } else if (wireType === WIRE_VARINT) {
      if (field === SESSION_END) {
        head.sessionEnd = reader.varint() !== 0;
        continue;
      }
      if (field === STATUS) {
        const status = reader.varint();
        head.status = status > 0xffff_ffff ? 0xffff_ffff : status;
        continue;
      }
    }
    reader.skip(wireType);
  }
  return head;
}

/** `<trace id>/<span id>` of an encoded SpanRecord, to recognise a span delivered twice. */
export function readSpanIdentity(bytes: Buffer): string {
  const reader = new WireReader(bytes);
  let traceId = '';
  let spanId = '';
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 4 && wireType === WIRE_LENGTH_DELIMITED) traceId = reader.ascii();
    else if (field === 5 && wireType === WIRE_LENGTH_DELIMITED) spanId = reader.ascii();
    else reader.skip(wireType);
  }
  return `${traceId}/${spanId}`;
}
