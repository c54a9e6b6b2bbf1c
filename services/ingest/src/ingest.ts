// The ingest component: OTLP/gRPC and OTLP/HTTP receivers in front of one consume path
// (normalize, publish, ack after durable), with the Collector's lifecycle.
import type { Bus } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';
import type { Component, Logger, Registry } from '@tracebar/runtime';
import { createAuthenticator } from './api-keys.js';
import { createConsumeTraces } from './consume-traces.js';
import { decodeOtlpJson, decodeOtlpProtobuf } from './decode/index.js';
import type { OtlpDecoders } from './decoders.js';
import { createGrpcReceiver } from './grpc/grpc-receiver.js';
import { createHttpReceiver } from './http/http-receiver.js';
import { createIntake } from './intake.js';
import { createIngestMetrics } from './metrics.js';
import { createNormalizer } from './normalize/index.js';
import type { Normalizer } from './span-batch.js';

export interface IngestDeps {
  config: TracebarConfig;
  /** The bus, or a getter for one that exists only once its component started (`tracebar up`). */
  bus: Bus | (() => Bus);
  logger: Logger;
  registry: Registry;
  /** Defaults to createNormalizer(config.ingest) with the spans topic's message size. */
  normalizer?: Normalizer;
  /** Defaults to the OTLP protobuf and JSON decoders of src/decode. */
  decoders?: OtlpDecoders;
}

export interface IngestAddresses {
  /** `host:port` of the OTLP/gRPC receiver (the real port when configured as 0). */
  grpc: string;
  /** Base URL of the OTLP/HTTP receiver, e.g. `http://127.0.0.1:4318`; POST to `${http}/v1/traces`. */
  http: string;
}

export interface Ingest extends Component {
  /** Where the receivers listen; throws before start. */
  addresses(): IngestAddresses;
}

const MiB = 1_048_576;

const defaultDecoders: OtlpDecoders = { protobuf: decodeOtlpProtobuf, json: decodeOtlpJson };

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createIngest(deps: IngestDeps): Ingest {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'ingest' });
  const bus = typeof deps.bus === 'function' ? deps.bus : () => deps.bus as Bus;
  const metrics = createIngestMetrics(deps.registry);
  const intake = createIntake(config.ingest.maxInFlightBytes, (bytes) => metrics.inFlightBytes(bytes));
  let publishCallBytes: number | undefined;
  const consume = createConsumeTraces({
    ingest: config.ingest,
    normalizer: deps.normalizer ?? createNormalizer(config.ingest, { maxMessageBytes: config.topics.spans.maxMessageBytes }),
    bus,
    spansTopic: config.topics.spans.name,
    // A quarter of the bus's bounds, so one large request never needs the whole bus to itself.
    maxPublishCallBytes: () => (publishCallBytes ??= publishCallLimit(bus(), config)),
    metrics,
    logger,
  });
  const receiverDeps = { ingest: config.ingest, intake, authenticate: createAuthenticator(config.ingest.apiKeys), consume, decoders: deps.decoders ?? defaultDecoders, metrics, logger };
  const http = createHttpReceiver(receiverDeps);
  const grpc = createGrpcReceiver(receiverDeps);
  let addresses: IngestAddresses | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<void> {
    const [grpcPort, httpAddress] = await Promise.allSettled([
      grpc.listen(config.otlp.grpc.host, config.otlp.grpc.port),
      http.listen(config.otlp.http.host, config.otlp.http.port),
    ]);
    if (grpcPort.status === 'rejected' || httpAddress.status === 'rejected') {
      const now = AbortSignal.abort();
      await Promise.allSettled([grpc.close(now), http.close(now)]);
      throw grpcPort.status === 'rejected' ? grpcPort.reason : (httpAddress as PromiseRejectedResult).reason;
    }
    addresses = {
      grpc: hostPort(config.otlp.grpc.host, grpcPort.value),
      http: `http://${hostPort(config.otlp.http.host, httpAddress.value.port)}`,
    };
    logger.info({ grpc: addresses.grpc, http: addresses.http, apiKeys: config.ingest.apiKeys.length }, 'OTLP receivers listening');
  }

  async function shutdown(deadline: AbortSignal): Promise<void> {
    await starting?.catch(() => undefined);
    // Refuse new requests (UNAVAILABLE/503) and let the admitted ones reach the bus and answer.
    await Promise.race([intake.drain(), aborted(deadline)]);
    if (intake.activeRequests() > 0) logger.warn({ requests: intake.activeRequests() }, 'shutdown deadline passed with requests in flight');
    await Promise.all([grpc.close(deadline), http.close(deadline)]);
  }

  return {
    name: 'ingest',
    start() {
      starting ??= start();
      return starting;
    },
    shutdown(deadline) {
      stopping ??= shutdown(deadline);
      return stopping;
    },
    readiness: {
      name: 'ingest',
      check: () => {
        if (intake.draining()) return Promise.resolve({ ready: false, detail: 'shutting down' });
        return Promise.resolve(addresses ? { ready: true } : { ready: false, detail: 'not listening' });
      },
    },
    addresses() {
      if (!addresses) throw new Error('ingest is not started');
      return addresses;
    },
  };
}

function publishCallLimit(bus: Bus, config: TracebarConfig): number {
  const bound = bus.kind === 'memory' ? Math.min(bus.stats().maxInFlightBytes, config.bus.memory.maxPartitionBytes) : bus.stats().maxInFlightBytes;
  return Math.max(MiB, Math.floor(bound / 4));
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
