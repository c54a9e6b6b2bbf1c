// Lifecycle and drain: start returns once both receivers listen; shutdown refuses new requests
// with 503 / UNAVAILABLE, lets admitted ones reach the bus and answer, honours its deadline,
// is safe twice and without start, and leaves no listening socket behind.
import { createServer } from 'node:net';
import { createMemoryBus } from '@tracebar/bus';
import { configSchema } from '@tracebar/config';
import { createMetricsRegistry } from '@tracebar/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngest } from '../src/index.js';
import { deleteTopics, quietLogger, startHarness, waitUntil, type Harness } from './support/harness.js';
import { postProtobuf, protobufBody, RawTraceClient, traceRequest } from './support/otlp-client.js';
import { spanIdsIn, startValidTraffic } from './support/valid-traffic.js';

const listeningSockets = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;

describe('ingest lifecycle', () => {
  it('shuts down safely without start, twice, and releases its ports', async () => {
    const config = configSchema.parse({ otlp: { grpc: { port: 0 }, http: { port: 0 } } });
    const deps = { config, bus: createMemoryBus(), logger: quietLogger(), registry: createMetricsRegistry() };
    const never = createIngest(deps);
    await never.shutdown(AbortSignal.timeout(1_000));
    await never.shutdown(AbortSignal.timeout(1_000));
    expect(() => never.addresses()).toThrow('ingest is not started');

    const before = listeningSockets();
    const ingest = createIngest({ ...deps, registry: createMetricsRegistry() });
    await ingest.start();
    expect(listeningSockets()).toBe(before + 2);
    expect(await ingest.readiness?.check()).toEqual({ ready: true });
    const { http, grpc } = ingest.addresses();
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(grpc).toMatch(/^127\.0\.0\.1:\d+$/);

    const first = ingest.shutdown(AbortSignal.timeout(5_000));
    const second = ingest.shutdown(AbortSignal.timeout(5_000));
    await Promise.all([first, second]);
    expect(await ingest.readiness?.check()).toEqual({ ready: false, detail: 'shutting down' });
    // libuv frees a closed handle on its next turn.
    await waitUntil('listening sockets closed', () => listeningSockets() === before, 2_000);
    await expect(fetch(`${http}/v1/traces`, { method: 'POST' })).rejects.toThrow();
    await deps.bus.close();
  });

  it('fails start when a port is taken, and leaves the other port free', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const before = listeningSockets();
    const config = configSchema.parse({ otlp: { grpc: { port: 0 }, http: { port: taken } } });
    const ingest = createIngest({ config, bus: createMemoryBus(), logger: quietLogger(), registry: createMetricsRegistry() });
    await expect(ingest.start()).rejects.toThrow(/EADDRINUSE/);
    await waitUntil('the gRPC listener closed', () => listeningSockets() === before, 2_000);
    await ingest.shutdown(AbortSignal.timeout(1_000));
    await new Promise((resolve) => blocker.close(resolve));
  });
});

describe('drain on shutdown (requests held by a full bus)', () => {
  it('answers admitted requests once the bus has them, refuses new ones, then stops', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 5, publishTimeoutMs: 20_000 });
    const harness = await startHarness({ label: 'drain-held', bus, config: { topics: { spans: { partitions: 1 } }, ingest: { retryAfterMs: 1_000 } } });
    const reader = await harness.reader();
    const grpc = new RawTraceClient(harness.grpcAddress);
    try {
      expect((await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(5)))).status).toBe(200);
      // The partition is full: these wait for room, in flight.
      const heldHttp = postProtobuf(harness.tracesUrl, protobufBody(traceRequest([{ name: 'held-http' }])));
      const heldGrpc = grpc.export(protobufBody(traceRequest([{ name: 'held-grpc' }])));
      await waitUntil('two requests in flight', () => bus.stats().inFlightBytes > 0);
      await new Promise((resolve) => setTimeout(resolve, 100));

      const stopped = harness.ingest.shutdown(AbortSignal.timeout(15_000));
      let done = false;
      void stopped.then(() => (done = true));
      const lateHttp = await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(1)));
      expect(lateHttp.status).toBe(503);
      expect(lateHttp.headers.get('retry-after')).toBe('1');
      expect(lateHttp.headers.get('connection')).toBe('close');
      expect((await grpc.export(protobufBody(traceRequest(1)))).code).toBe(14);
      expect(done).toBe(false);

      await reader.commit();
      expect((await heldHttp).status).toBe(200);
      expect((await heldGrpc).code).toBe(0);
      await stopped;
      expect(done).toBe(true);
      await reader.waitFor(7);
    } finally {
      grpc.close();
      await harness.close();
    }
  });

  it('honours the deadline when the bus never makes room', async () => {
    const bus = createMemoryBus({ maxPartitionMessages: 1, publishTimeoutMs: 60_000 });
    const harness = await startHarness({ label: 'drain-deadline', bus, config: { topics: { spans: { partitions: 1 } } } });
    await harness.reader();
    try {
      expect((await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(1)))).status).toBe(200);
      const stuck = postProtobuf(harness.tracesUrl, protobufBody(traceRequest(1))).then(
        (answer) => answer.status,
        (error: unknown) => (error instanceof Error ? error.name : 'error'),
      );
      await waitUntil('a request in flight', () => bus.stats().inFlightBytes > 0);
      const began = performance.now();
      await harness.ingest.shutdown(AbortSignal.timeout(500));
      expect(performance.now() - began).toBeLessThan(1_500);
      // Its connection was cut: the exporter sees a network error, which it retries.
      expect(await stuck).toBe('TypeError');
    } finally {
      await harness.close();
    }
  });
});

describe('drain on shutdown under load (Kafka)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ label: 'drain-load' });
  });
  afterAll(async () => {
    await harness?.close();
    await deleteTopics([harness?.topic ?? '']);
  });

  it('every request acknowledged before or during the drain is in the topic; later ones are refused', async () => {
    const reader = await harness.reader();
    const traffic = startValidTraffic(harness.tracesUrl, harness.grpcAddress, 4);
    await traffic.progress(20);
    await harness.ingest.shutdown(AbortSignal.timeout(10_000));
    const ackedAtShutdown = traffic.acked.size;
    await traffic.progress(8);
    await traffic.stop();
    expect(ackedAtShutdown).toBeGreaterThanOrEqual(100);
    expect(traffic.acked.size).toBe(ackedAtShutdown);
    // Requests racing the drain were refused (503 / UNAVAILABLE), later ones found the port closed.
    expect(traffic.failures.length).toBeGreaterThanOrEqual(8);
    for (const failure of traffic.failures) expect(failure).toMatch(/503|gRPC 14|fetch failed/);
    await waitUntil('all acknowledged spans in the topic', () => {
      const present = spanIdsIn(reader.records);
      return [...traffic.acked].every((id) => present.has(id));
    });
  });
});
