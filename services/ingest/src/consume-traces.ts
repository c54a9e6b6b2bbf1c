// What both transports do with a request body: decode it, check it, normalize it, publish it,
// and say how to answer. Knows nothing of HTTP or gRPC (the transports map the outcome).
import { BusClosedError, BusFullError, BusUnavailableError, type Bus } from '@tracebar/bus';
import type { IngestConfig } from '@tracebar/config';
import type { Logger } from '@tracebar/runtime';
import { decodeRequest, type DecodeOtlp } from './decoders.js';
import { failure, isFailure, type Failure } from './failures.js';
import type { IngestMetrics, Protocol } from './metrics.js';
import { publishSpans } from './publish-spans.js';
import { throttledError, type ThrottledError } from './throttled-log.js';
import type { NormalizeResult, Normalizer, OtlpTraceRequest } from './span-batch.js';

export interface ConsumeInput {
  protocol: Protocol;
  tenant: string;
  /** The request body, decompressed. */
  body: Buffer;
  decode: DecodeOtlp;
  /** Request bytes as received, for the metrics of a request refused whole. */
  wireBytes: number;
  /** Aborted when the exporter gave up: stop waiting for room on the bus. */
  signal?: AbortSignal;
}

/** Success (possibly partial: some spans rejected or changed), or a failure of the whole request. */
export type ConsumeOutcome = { ok: true; rejectedSpans: number; errorMessage: string } | { ok: false; failure: Failure };

export type ConsumeTraces = (input: ConsumeInput) => Promise<ConsumeOutcome>;

export interface ConsumeDeps {
  ingest: IngestConfig;
  normalizer: Normalizer;
  bus: () => Bus;
  spansTopic: string;
  /** Upper bound of one publish call (bigger requests go out in consecutive calls). */
  maxPublishCallBytes: () => number;
  metrics: IngestMetrics;
  logger: Logger;
}

/** OTLP partial_success.error_message is for people; keep it to a readable size. */
const MAX_ERROR_MESSAGE = 1_024;

export function countSpans(request: OtlpTraceRequest): number {
  let spans = 0;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans?.scopeSpans ?? []) spans += scopeSpans?.spans?.length ?? 0;
  }
  return spans;
}

/** What survives normalization: the decoded request is garbage from here on. */
interface Normalized {
  spans: number;
  result: NormalizeResult;
}

export function createConsumeTraces(deps: ConsumeDeps): ConsumeTraces {
  const { ingest, metrics } = deps;
  const logError = throttledError(deps.logger);

  const ok = (rejectedSpans: number, messages: readonly string[]): ConsumeOutcome => ({
    ok: true,
    rejectedSpans,
    errorMessage: messages.join('; ').slice(0, MAX_ERROR_MESSAGE),
  });

  const refuse = (protocol: Protocol, wireBytes: number, spans: number, failed: Failure): ConsumeOutcome => {
    if (failed.retryAfterMs !== undefined) metrics.refused(protocol, failed.code, spans, wireBytes);
    else metrics.rejected(protocol, failed.code, spans, wireBytes);
    return { ok: false, failure: failed };
  };

  /**
   * Decode and normalize, synchronously. Kept apart from the wait for the bus on purpose: the
   * decoded request (thousands of objects per request) must not live through that wait, or it
   * outlives the young generation and makes the old-generation GC the largest cost of ingest.
   */
  function normalize(input: ConsumeInput): Normalized | ConsumeOutcome {
    const request = decodeRequest(input.decode, input.body);
    if (isFailure(request)) return refuse(input.protocol, input.wireBytes, 0, request);
    const spans = countSpans(request);
    metrics.received(input.protocol, spans, 0);
    if (spans > ingest.maxSpansPerRequest) {
      const message = `request has ${spans} spans, more than ingest.maxSpansPerRequest (${ingest.maxSpansPerRequest}); send smaller batches`;
      return refuse(input.protocol, input.wireBytes, spans, failure('too_many_spans', message));
    }
    // The OTLP spec: an empty request is a success.
    if (spans === 0) return ok(0, []);
    try {
      return { spans, result: deps.normalizer(request, { tenant: input.tenant, receivedTimeUnixNano: BigInt(Date.now()) * 1_000_000n }) };
    } catch (error) {
      // A normalizer bug, not the exporter's fault: answered 500, never a crash.
      logError(error, 'normalizer failed on a request');
      return refuse(input.protocol, input.wireBytes, spans, failure('internal', 'internal error while normalizing spans'));
    }
  }

  async function publish(normalized: Normalized, protocol: Protocol, wireBytes: number, signal: AbortSignal | undefined): Promise<ConsumeOutcome> {
    const { result } = normalized;
    let published;
    try {
      published =
        result.spans.length === 0
          ? { spans: 0, bytes: 0, tooLarge: 0 }
          : await publishSpans(deps.bus(), result.spans, { topic: deps.spansTopic, maxCallBytes: deps.maxPublishCallBytes(), ...(signal ? { signal } : {}) });
    } catch (error) {
      return refuse(protocol, wireBytes, normalized.spans, busFailure(error, ingest.retryAfterMs, logError));
    }
    metrics.normalized(result.counts);
    metrics.accepted(protocol, published.spans, published.bytes);
    metrics.rejected(protocol, 'invalid_span', result.rejectedSpans, 0);
    metrics.rejected(protocol, 'message_too_large', published.tooLarge, 0);
    const messages = [...result.rejectionReasons];
    if (published.tooLarge > 0) messages.push(`${published.tooLarge} span(s) over the spans topic's max message size`);
    messages.push(...result.warnings);
    return ok(result.rejectedSpans + published.tooLarge, messages);
  }

  // Not async: nothing of `input` (body, decoded request) is held while publish waits.
  return (input) => {
    const normalized = normalize(input);
    if ('ok' in normalized) return Promise.resolve(normalized);
    return publish(normalized, input.protocol, input.wireBytes, input.signal);
  };
}

function busFailure(error: unknown, retryAfterMs: number, logError: ThrottledError): Failure {
  if (error instanceof BusFullError) {
    return failure('bus_full', 'the bus cannot take more spans now; retry later', Math.max(retryAfterMs, error.retryAfterMs));
  }
  if (error instanceof BusUnavailableError) {
    return failure('bus_unavailable', 'the bus is unavailable; retry later', Math.max(retryAfterMs, error.retryAfterMs));
  }
  if (error instanceof BusClosedError) return failure('shutting_down', 'ingest is shutting down; retry later', retryAfterMs);
  // Unknown topic, a produce error no retry fixes: an operator's problem, not the exporter's.
  logError(error, 'publishing spans failed permanently');
  return failure('internal', `the bus refused the spans: ${error instanceof Error ? error.message : String(error)}`);
}
