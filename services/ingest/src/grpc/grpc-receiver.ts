// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export on @grpc/grpc-js.
// grpc-js handles framing, gzip and the size limit (checked on the decompressed message);
// the request arrives here as bytes so that an undecodable one is INVALID_ARGUMENT with a
// reason (grpc-js answers INTERNAL when its deserializer throws).
import { Metadata, Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import type { IngestConfig } from '@tracebar/config';
import { otlpTraceExportPath } from '@tracebar/proto';
import type { Logger } from '@tracebar/runtime';
import type { Authenticate } from '../api-keys.js';
import type { ConsumeTraces } from '../consume-traces.js';
import type { OtlpDecoders } from '../decoders.js';
import { failure, failureCatalog, type Failure } from '../failures.js';
import type { Intake } from '../intake.js';
import type { IngestMetrics } from '../metrics.js';
import { encodeRpcStatus } from '../rpc-status.js';
import { throttledError } from '../throttled-log.js';
import { successResponseBytes } from './grpc-response.js';

export interface GrpcReceiverDeps {
  ingest: IngestConfig;
  intake: Intake;
  authenticate: Authenticate;
  consume: ConsumeTraces;
  decoders: OtlpDecoders;
  metrics: IngestMetrics;
  logger: Logger;
}

export interface GrpcReceiver {
  /** Resolves with the bound port once serving. */
  listen(host: string, port: number): Promise<number>;
  /** Waits for calls to end, then stops; cuts them when `deadline` aborts. */
  close(deadline: AbortSignal): Promise<void>;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** TraceService with bytes in and bytes out: decoding and encoding happen in the handler. */
const traceService: ServiceDefinition = {
  export: {
    path: otlpTraceExportPath,
    originalName: 'Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const codeName = (code: number): string => (grpcStatus[code] as string | undefined) ?? String(code);

function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** Trailers of a failure: the Status with RetryInfo, and gRPC's own retry pushback for clients with a retry policy. */
function failureTrailers(failed: Failure): Metadata {
  const trailers = new Metadata();
  trailers.set('grpc-status-details-bin', encodeRpcStatus(failed));
  if (failed.retryAfterMs !== undefined) trailers.set('grpc-retry-pushback-ms', String(failed.retryAfterMs));
  return trailers;
}

export function createGrpcReceiver(deps: GrpcReceiverDeps): GrpcReceiver {
  const { intake, metrics } = deps;
  const logError = throttledError(deps.logger);
  const server = new Server({ 'grpc.max_receive_message_length': deps.ingest.maxBodyBytes });

  /** Counts a failure decided here (consume() counts its own). */
  const refuse = (failed: Failure, bytes: number): Failure => {
    if (failureCatalog[failed.code].retryable) metrics.refused('grpc', failed.code, 0, bytes);
    else metrics.rejected('grpc', failed.code, 0, bytes);
    return failed;
  };

  async function exportTraces(call: ServerUnaryCall<Buffer, Buffer>, held: { bytes: number }): Promise<Buffer | Failure> {
    const body = call.request;
    const tenant = deps.authenticate(firstString(call.metadata, 'authorization'), firstString(call.metadata, 'x-api-key'));
    if (typeof tenant !== 'string') return refuse(tenant, body.length);
    if (!intake.reserve(body.length)) {
      return refuse(failure('in_flight_full', 'ingest is at its in-flight bound (ingest.maxInFlightBytes); retry later', deps.ingest.retryAfterMs), body.length);
    }
    held.bytes = body.length;
    const cancelled = new AbortController();
    const onCancelled = () => cancelled.abort();
    call.once('cancelled', onCancelled);
    const outcome = await deps.consume({ protocol: 'grpc', tenant, body, decode: deps.decoders.protobuf, wireBytes: body.length, signal: cancelled.signal });
    call.off('cancelled', onCancelled);
    return outcome.ok ? successResponseBytes(outcome.rejectedSpans, outcome.errorMessage) : outcome.failure;
  }

  function handle(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    const started = performance.now();
    const bytes = call.request.length;
    metrics.received('grpc', 0, bytes);
    const answer = (result: Buffer | Failure) => {
      if (Buffer.isBuffer(result)) {
        callback(null, result);
        metrics.request('grpc', 'OK', (performance.now() - started) / 1_000);
        return;
      }
      const code = failureCatalog[result.code].grpc;
      callback({ code, details: result.message, metadata: failureTrailers(result) });
      metrics.request('grpc', codeName(code), (performance.now() - started) / 1_000);
    };
    if (!intake.enter()) {
      answer(refuse(failure('shutting_down', 'ingest is shutting down; retry later', deps.ingest.retryAfterMs), bytes));
      return;
    }
    const held = { bytes: 0 };
    void exportTraces(call, held)
      .then(
        answer,
        (error: unknown) => {
          logError(error, 'OTLP/gRPC export failed unexpectedly');
          answer(refuse(failure('internal', 'internal error'), bytes));
        },
      )
      .finally(() => intake.leave(held.bytes));
  }

  server.addService(traceService, { export: handle });

  return {
    listen(host, port) {
      const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      return new Promise((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
      });
    },
    async close(deadline) {
      const stopped = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const cut = () => server.forceShutdown();
      if (deadline.aborted) cut();
      deadline.addEventListener('abort', cut, { once: true });
      await stopped;
      deadline.removeEventListener('abort', cut);
    },
  };
}
