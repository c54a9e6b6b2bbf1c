// Encode/decode helpers: protobuf binary for the spans, sessions, scores, labels and
// dead-letter topics and for OTLP; protobuf JSON lines for the review and alerts topics.
import type $protobuf from 'protobufjs/minimal.js';
import {
  ExportTraceServiceRequest,
  ExportTraceServiceResponse,
  type IExportTraceServiceRequest,
  type IExportTraceServiceResponse,
} from './otlp-messages.js';
import {
  Alert,
  DeadLetter,
  Label,
  ReviewItem,
  ScoreRecord,
  SessionRecord,
  SpanRecord,
  SpanRecordHead,
  type IAlert,
  type IDeadLetter,
  type ILabel,
  type IReviewItem,
  type IScoreRecord,
  type ISessionRecord,
  type ISpanRecord,
} from './tracebar-messages.js';

/**
 * Options that make protobufjs' `toObject` print protobuf's canonical JSON mapping:
 * lowerCamelCase member names, 64-bit integers as decimal strings, enums by name, bytes as
 * base64, NaN/Infinity as strings, unset fields omitted.
 */
export const protoJsonOptions: $protobuf.IConversionOptions = Object.freeze({
  longs: String,
  enums: String,
  bytes: String,
  json: true,
});

/** What a generated message class offers for JSON conversion. */
export interface JsonMessageType<T> {
  fromObject(object: { [k: string]: unknown }): T;
  toObject(message: T, options?: $protobuf.IConversionOptions): { [k: string]: unknown };
}

/** Prints a message as one line of protobuf JSON (no trailing newline). */
export function toJsonLine<T>(type: JsonMessageType<T>, message: T): string {
  return JSON.stringify(type.toObject(message, protoJsonOptions));
}

/**
 * Parses one line of protobuf JSON. Accepts what the canonical printer writes (lowerCamelCase
 * names; 64-bit integers as strings or numbers; enums by name or number); unknown members are
 * ignored. Throws SyntaxError for invalid JSON and TypeError for a mistyped member.
 */
export function fromJsonLine<T>(type: JsonMessageType<T>, line: string): T {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('protobuf JSON line must hold a JSON object');
  }
  return type.fromObject(value as { [k: string]: unknown });
}

// Binary topics. encode* accept plain objects shaped like the message interfaces; decode*
// throw (RangeError / Error) on truncated or malformed input.

export function encodeSpanRecord(record: ISpanRecord): Uint8Array {
  return SpanRecord.encode(record).finish();
}

export function decodeSpanRecord(bytes: Uint8Array): SpanRecord {
  return SpanRecord.decode(bytes);
}

/** Decodes only the routing fields of an encoded SpanRecord (see SpanRecordHead). */
export function decodeSpanRecordHead(bytes: Uint8Array): SpanRecordHead {
  return SpanRecordHead.decode(bytes);
}

export function encodeSessionRecord(record: ISessionRecord): Uint8Array {
  return SessionRecord.encode(record).finish();
}

/** Wire tag of SessionRecord.spans: field 14, length-delimited. */
const sessionSpansTag = (14 << 3) | 2;

/**
 * Encodes a session record whose spans are given as already-encoded SpanRecord bytes (as read
 * from the spans topic), appending them without decoding or re-encoding. `record.spans` is
 * ignored. The result decodes like encodeSessionRecord's output.
 */
export function encodeSessionRecordWithSpanBytes(record: ISessionRecord, spans: readonly Uint8Array[]): Uint8Array {
  const writer = SessionRecord.encode({ ...record, spans: [] });
  for (const span of spans) writer.uint32(sessionSpansTag).bytes(span);
  return writer.finish();
}

export function decodeSessionRecord(bytes: Uint8Array): SessionRecord {
  return SessionRecord.decode(bytes);
}

export function encodeScoreRecord(record: IScoreRecord): Uint8Array {
  return ScoreRecord.encode(record).finish();
}

export function decodeScoreRecord(bytes: Uint8Array): ScoreRecord {
  return ScoreRecord.decode(bytes);
}

export function encodeLabel(label: ILabel): Uint8Array {
  return Label.encode(label).finish();
}

export function decodeLabel(bytes: Uint8Array): Label {
  return Label.decode(bytes);
}

export function encodeDeadLetter(deadLetter: IDeadLetter): Uint8Array {
  return DeadLetter.encode(deadLetter).finish();
}

export function decodeDeadLetter(bytes: Uint8Array): DeadLetter {
  return DeadLetter.decode(bytes);
}

// JSON topics.

/** One review item as a protobuf JSON line (the review topic's encoding). */
export function reviewItemToJsonLine(item: IReviewItem): string {
  return toJsonLine(ReviewItem, item instanceof ReviewItem ? item : ReviewItem.fromObject(item));
}

export function reviewItemFromJsonLine(line: string): ReviewItem {
  return fromJsonLine(ReviewItem, line);
}

/** One alert as a protobuf JSON line (the alerts topic's encoding). */
export function alertToJsonLine(alert: IAlert): string {
  return toJsonLine(Alert, alert instanceof Alert ? alert : Alert.fromObject(alert));
}

export function alertFromJsonLine(line: string): Alert {
  return fromJsonLine(Alert, line);
}

// OTLP.

export function decodeExportTraceServiceRequest(bytes: Uint8Array): ExportTraceServiceRequest {
  return ExportTraceServiceRequest.decode(bytes);
}

export function encodeExportTraceServiceRequest(request: IExportTraceServiceRequest): Uint8Array {
  return ExportTraceServiceRequest.encode(request).finish();
}

export function encodeExportTraceServiceResponse(response: IExportTraceServiceResponse): Uint8Array {
  return ExportTraceServiceResponse.encode(response).finish();
}

export function decodeExportTraceServiceResponse(bytes: Uint8Array): ExportTraceServiceResponse {
  return ExportTraceServiceResponse.decode(bytes);
}
