// OTLP/HTTP: POST /v1/traces with a protobuf or JSON body, optionally gzipped. node:http
// directly: one route, and the per-request cost of a framework is not worth it here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IngestConfig } from '@tracebar/config';
import type { Logger } from '@tracebar/runtime';
import type { Authenticate } from '../api-keys.js';
import type { ConsumeTraces } from '../consume-traces.js';
import type { OtlpDecoders } from '../decoders.js';
import { failure, failureCatalog, type Failure } from '../failures.js';
import type { Intake } from '../intake.js';
import type { IngestMetrics, Protocol } from '../metrics.js';
import { throttledError } from '../throttled-log.js';
import { gunzipBody, readBody, type ReadProgress } from './read-body.js';
import { bodyEncoding, failureReply, send, successReply, type BodyEncoding, type Reply } from './responses.js';

export const OTLP_TRACES_PATH = '/v1/traces';

export interface HttpReceiverDeps {
  ingest: IngestConfig;
  intake: Intake;
  authenticate: Authenticate;
  consume: ConsumeTraces;
  decoders: OtlpDecoders;
  metrics: IngestMetrics;
  logger: Logger;
}

export interface HttpReceiver {
  /** Resolves with the bound address once listening. */
  listen(host: string, port: number): Promise<AddressInfo>;
  /** Stops listening and waits for open connections to end; cuts them when `deadline` aborts. */
  close(deadline: AbortSignal): Promise<void>;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export function createHttpReceiver(deps: HttpReceiverDeps): HttpReceiver {
  const { intake, metrics } = deps;
  const logError = throttledError(deps.logger);
  const limit = deps.ingest.maxBodyBytes;

  const finish = (response: ServerResponse, protocol: Protocol, started: number, reply: Reply) => {
    // While draining, connections close after their answer so the drain ends promptly.
    send(response, reply, intake.draining());
    metrics.request(protocol, String(reply.status), (performance.now() - started) / 1_000);
  };

  const refuse = (protocol: Protocol, failed: Failure, bytes: number) => {
    if (failureCatalog[failed.code].retryable) metrics.refused(protocol, failed.code, 0, bytes);
    else metrics.rejected(protocol, failed.code, 0, bytes);
  };

  /** Per request: bytes read so far and bytes held under the in-flight bound. */
  interface RequestState extends ReadProgress {
    reserved: number;
  }

  async function exportTraces(request: IncomingMessage, response: ServerResponse, encoding: BodyEncoding, protocol: Protocol, progress: RequestState): Promise<Reply> {
    const tenant = deps.authenticate(header(request.headers.authorization), header(request.headers['x-api-key']));
    if (typeof tenant !== 'string') return refused(tenant);

    const contentEncoding = (header(request.headers['content-encoding']) ?? 'identity').trim().toLowerCase();
    const gzipped = contentEncoding === 'gzip' || contentEncoding === 'x-gzip';
    if (!gzipped && contentEncoding !== 'identity' && contentEncoding !== '') {
      return refused(failure('unsupported_encoding', `unsupported Content-Encoding "${contentEncoding}"; send gzip or none`));
    }
    // Cheap refusal before reading anything when ingest is already at its in-flight bound.
    if (intake.full()) return refused(failure('in_flight_full', 'ingest is at its in-flight bound (ingest.maxInFlightBytes); retry later', deps.ingest.retryAfterMs));

    let read = await readBody(request, limit, progress);
    if (read.ok && gzipped) read = await gunzipBody(read.body, limit);
    if (!read.ok) return refused(read.failure);
    const body = read.body;
    if (!intake.reserve(body.length)) {
      return refused(failure('in_flight_full', 'ingest is at its in-flight bound (ingest.maxInFlightBytes); retry later', deps.ingest.retryAfterMs));
    }
    progress.reserved = body.length;

    const aborted = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    const decode = encoding === 'protobuf' ? deps.decoders.protobuf : deps.decoders.json;
    const outcome = await deps.consume({ protocol, tenant, body, decode, wireBytes: progress.bytes, signal: aborted.signal });
    return outcome.ok ? successReply(encoding, outcome.rejectedSpans, outcome.errorMessage) : failureReply(outcome.failure, encoding);

    function refused(failed: Failure): Reply {
      refuse(protocol, failed, progress.bytes);
      return failureReply(failed, encoding);
    }
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path !== OTLP_TRACES_PATH) {
      finish(response, 'http', started, { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`not found: OTLP traces are POSTed to ${OTLP_TRACES_PATH}`) });
      return;
    }
    if (request.method !== 'POST') {
      finish(response, 'http', started, { status: 405, headers: { 'content-type': 'text/plain; charset=utf-8', allow: 'POST' }, body: Buffer.from(`${request.method ?? ''} not allowed: POST OTLP traces to ${OTLP_TRACES_PATH}`) });
      return;
    }
    const encoding = bodyEncoding(header(request.headers['content-type']));
    const protocol: Protocol = encoding === 'protobuf' ? 'http_protobuf' : encoding === 'json' ? 'http_json' : 'http';
    const declared = Number(request.headers['content-length']) || 0;
    if (!encoding) {
      metrics.received(protocol, 0, declared);
      const failed = failure('unsupported_media_type', `unsupported Content-Type "${header(request.headers['content-type']) ?? ''}"; send application/x-protobuf or application/json`);
      refuse(protocol, failed, declared);
      finish(response, protocol, started, failureReply(failed, undefined));
      return;
    }
    if (!intake.enter()) {
      metrics.received(protocol, 0, declared);
      const failed = failure('shutting_down', 'ingest is shutting down; retry later', deps.ingest.retryAfterMs);
      refuse(protocol, failed, declared);
      finish(response, protocol, started, failureReply(failed, encoding));
      return;
    }
    const progress: RequestState = { bytes: 0, reserved: 0 };
    void exportTraces(request, response, encoding, protocol, progress).then(
      (reply) => {
        metrics.received(protocol, 0, progress.bytes);
        if (!response.destroyed) finish(response, protocol, started, reply);
      },
      (error: unknown) => {
        metrics.received(protocol, 0, progress.bytes);
        if (request.socket.destroyed) return; // the client went away mid-body: nobody to answer
        logError(error, 'OTLP/HTTP export failed unexpectedly');
        const failed = failure('internal', 'internal error');
        refuse(protocol, failed, progress.bytes);
        finish(response, protocol, started, failureReply(failed, encoding));
      },
    ).finally(() => intake.leave(progress.reserved));
  }

  const server: Server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 120_000 }, handle);
  server.on('clientError', (_error, socket) => socket.destroy());

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(deadline) {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = () => server.closeAllConnections();
      if (deadline.aborted) cut();
      deadline.addEventListener('abort', cut, { once: true });
      await closed;
      deadline.removeEventListener('abort', cut);
    },
  };
}
