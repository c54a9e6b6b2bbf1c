// Prometheus metrics of ingest, on the process's registry. Counters are plain numbers on the
// request path and handed to prom-client at scrape time: prom-client hashes and validates the
// labels on every inc(), a measurable cost at several counters per request.
import { Counter, Gauge, Histogram, type Registry } from '@tracebar/runtime';
import type { NormalizeCounts } from './span-batch.js';

/** `http` is an HTTP request whose body encoding is not known (wrong content type, 404). */
export type Protocol = 'grpc' | 'http_protobuf' | 'http_json' | 'http';

export interface IngestMetrics {
  /** One finished request: its status (HTTP status or gRPC code name) and duration. */
  request(protocol: Protocol, status: string, seconds: number): void;
  /** Wire bytes of a request (compressed as sent), and its spans once decoded. */
  received(protocol: Protocol, spans: number, bytes: number): void;
  /** Spans the bus acknowledged, and the bytes of their records. */
  accepted(protocol: Protocol, spans: number, bytes: number): void;
  /** Permanently refused: the exporter must not retry. Bytes are wire bytes of whole requests. */
  rejected(protocol: Protocol, reason: string, spans: number, bytes: number): void;
  /** Retryably refused (bus full or down, in-flight bound, shutting down). */
  refused(protocol: Protocol, reason: string, spans: number, bytes: number): void;
  normalized(counts: NormalizeCounts): void;
  inFlightBytes(bytes: number): void;
}

const durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Add = (values: readonly string[], amount: number) => void;

/** A counter whose totals live in a Map until a scrape copies them into prom-client. */
function counterFamily<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]): Add {
  const totals = new Map<string, { labels: Record<string, string>; value: number }>();
  new Counter<T>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of totals.values()) this.inc(labels as Record<T, string>, value);
    },
  });
  return (values, amount) => {
    if (amount <= 0) return;
    const id = values.length === 1 ? (values[0] as string) : values.join('\u0000');
    const total = totals.get(id);
    if (total) total.value += amount;
    else totals.set(id, { labels: Object.fromEntries(labelNames.map((label, i) => [label, values[i] ?? ''])), value: amount });
  };
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const counter = <T extends string>(name: string, help: string, labelNames: readonly T[]) => counterFamily(registry, name, help, labelNames);

  const requests = counter('tracebar_ingest_requests_total', 'OTLP export requests by protocol and response status (HTTP status or gRPC code).', ['protocol', 'status']);
  const receivedSpans = counter('tracebar_ingest_received_spans_total', 'Spans in decoded export requests.', ['protocol']);
  const receivedBytes = counter('tracebar_ingest_received_bytes_total', 'Request body bytes as received (compressed if sent so; gRPC: after grpc-js decompressed them).', ['protocol']);
  const acceptedSpans = counter('tracebar_ingest_accepted_spans_total', 'Spans the bus acknowledged as durable (then the exporter got success).', ['protocol']);
  const acceptedBytes = counter('tracebar_ingest_accepted_bytes_total', 'Bytes of the span records the bus acknowledged.', ['protocol']);
  const rejectedSpans = counter('tracebar_ingest_rejected_spans_total', 'Spans refused permanently (the exporter must not retry them), by reason.', ['protocol', 'reason']);
  const rejectedBytes = counter('tracebar_ingest_rejected_bytes_total', 'Request bytes of requests refused whole and permanently, by reason.', ['protocol', 'reason']);
  const refusedSpans = counter('tracebar_ingest_refused_spans_total', 'Spans refused retryably (the exporter retries them), by reason.', ['protocol', 'reason']);
  const refusedBytes = counter('tracebar_ingest_refused_bytes_total', 'Request bytes of requests refused retryably, by reason.', ['protocol', 'reason']);
  const truncated = counter('tracebar_ingest_truncated_values_total', 'String values cut at ingest.maxAttributeValueLength.', []);
  const redacted = counter('tracebar_ingest_redacted_values_total', 'Values dropped, hashed or masked by ingest.redaction.', []);
  const dropped = counter('tracebar_ingest_dropped_attributes_total', 'Attributes beyond ingest.maxAttributesPerSpan.', []);
  const duration = new Histogram({
    name: 'tracebar_ingest_request_duration_seconds',
    help: 'From request start to response, bus acknowledgement included.',
    labelNames: ['protocol'],
    buckets: durationBuckets,
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'tracebar_ingest_in_flight_bytes', help: 'Decompressed request bytes held until the bus acknowledges them.', registers: [registry] });
  const none: readonly string[] = [];

  return {
    request(protocol, status, seconds) {
      requests([protocol, status], 1);
      duration.observe({ protocol }, seconds);
    },
    received(protocol, spans, bytes) {
      receivedSpans([protocol], spans);
      receivedBytes([protocol], bytes);
    },
    accepted(protocol, spans, bytes) {
      acceptedSpans([protocol], spans);
      acceptedBytes([protocol], bytes);
    },
    rejected(protocol, reason, spans, bytes) {
      rejectedSpans([protocol, reason], spans);
      rejectedBytes([protocol, reason], bytes);
    },
    refused(protocol, reason, spans, bytes) {
      refusedSpans([protocol, reason], spans);
      refusedBytes([protocol, reason], bytes);
    },
    normalized(counts) {
      truncated(none, counts.truncatedValues);
      redacted(none, counts.redactedValues);
      dropped(none, counts.droppedAttributes);
    },
    inFlightBytes(bytes) {
      inFlight.set(bytes);
    },
  };
}
