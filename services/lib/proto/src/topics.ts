// The topic catalog: which message each topic carries and how it is encoded, plus the Kafka
// key and header conventions every producer follows.

/** How a topic's record values are encoded. */
export type WireEncoding = 'protobuf' | 'json';

/** One topic of the catalog. */
export interface TopicSpec {
  /** Default topic name (DESIGN.md). */
  readonly topic: string;
  /** Fully qualified protobuf message type of every record value. */
  readonly messageType: string;
  /** protobuf binary, or protobuf's JSON mapping with one message per record (and line). */
  readonly encoding: WireEncoding;
  /** MIME type of the record value, written in the content-type header. */
  readonly contentType: string;
}

const protobufType = 'application/x-protobuf';
const jsonType = 'application/json';

export const topicCatalog = {
  spans: { topic: 'tracebar.spans.v1', messageType: 'tracebar.v1.SpanRecord', encoding: 'protobuf', contentType: protobufType },
  sessions: { topic: 'tracebar.sessions.v1', messageType: 'tracebar.v1.SessionRecord', encoding: 'protobuf', contentType: protobufType },
  scores: { topic: 'tracebar.scores.v1', messageType: 'tracebar.v1.ScoreRecord', encoding: 'protobuf', contentType: protobufType },
  review: { topic: 'tracebar.review.v1', messageType: 'tracebar.v1.ReviewItem', encoding: 'json', contentType: jsonType },
  alerts: { topic: 'tracebar.alerts.v1', messageType: 'tracebar.v1.Alert', encoding: 'json', contentType: jsonType },
  labels: { topic: 'tracebar.labels.v1', messageType: 'tracebar.v1.Label', encoding: 'protobuf', contentType: protobufType },
  deadLetter: { topic: 'tracebar.deadletter.v1', messageType: 'tracebar.v1.DeadLetter', encoding: 'protobuf', contentType: protobufType },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = keyof typeof topicCatalog;

/** Record header naming the value's message type (e.g. "tracebar.v1.SpanRecord"). */
export const schemaHeader = 'tracebar-schema';
/** Record header with the value's MIME type. */
export const contentTypeHeader = 'content-type';

/** The headers a producer writes on every record of a topic. */
export function recordHeaders(spec: TopicSpec): Record<string, string> {
  return { [schemaHeader]: spec.messageType, [contentTypeHeader]: spec.contentType };
}

/**
 * Kafka record key of everything about one session: `<tenant>/<session key>`. Tenant ids
 * never contain "/", so the first "/" separates the two; the session key may contain any
 * character.
 */
export function sessionRecordKey(tenant: string, sessionKey: string): string {
  return `${tenant}/${sessionKey}`;
}

/** Splits a key made by sessionRecordKey; undefined when it has no "/". */
export function parseSessionRecordKey(key: string): { tenant: string; sessionKey: string } | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  return { tenant: key.slice(0, slash), sessionKey: key.slice(slash + 1) };
}
