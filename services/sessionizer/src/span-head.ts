// The hot path reads only what grouping and clocks need from each encoded SpanRecord: times,
// the end marker, and where the service name is. The rest of the span stays encoded until the
// session closes.
import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from './wire-reader.js';

// SpanRecord field numbers (proto/tracebar/v1/span.proto).
const START = 9;
const END = 10;
const SERVICE_NAME = 13;
const SESSION_END = 15;
const RECEIVED = 29;

/** What the sessionizer reads of a span as it arrives. Times are ns since the epoch, as doubles. */
export interface SpanHead {
  startNs: number;
  endNs: number;
  /** 0 when ingest did not set it. */
  receivedNs: number;
  sessionEnd: boolean;
  /** Byte range of service_name in the span's bytes; start < 0 when absent. */
  serviceStart: number;
  serviceEnd: number;
}

export function emptyHead(): SpanHead {
  return { startNs: 0, endNs: 0, receivedNs: 0, sessionEnd: false, serviceStart: -1, serviceEnd: -1 };
}

/** Fills `head` from an encoded SpanRecord; throws MalformedMessageError on bad bytes. */
export function readSpanHead(bytes: Buffer, head: SpanHead): SpanHead {
  head.startNs = 0;
  head.endNs = 0;
  head.receivedNs = 0;
  head.sessionEnd = false;
  head.serviceStart = -1;
  head.serviceEnd = -1;
  const reader = new WireReader(bytes);
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === START && wireType === WIRE_FIXED64) head.startNs = reader.fixed64();
    else if (field === END && wireType === WIRE_FIXED64) head.endNs = reader.fixed64();
    else if (field === RECEIVED && wireType === WIRE_FIXED64) head.receivedNs = reader.fixed64();
    else if (field === SESSION_END && wireType === WIRE_VARINT) head.sessionEnd = reader.varint() !== 0;
    else if (field === SERVICE_NAME && wireType === WIRE_LENGTH_DELIMITED) {
      const length = reader.length();
      head.serviceStart = reader.pos;
      head.serviceEnd = reader.pos + length;
      reader.pos += length;
    } else reader.skip(wireType);
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
