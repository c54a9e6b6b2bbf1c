// A bus that cannot take more (an in-process bus whose only partition is full because its
// reader does not commit) and ingest's own in-flight bound: retryable refusals with a retry
// delay, exporters that retry get through once there is room, and nothing acknowledged is
// missing from the topic.
import { createMemoryBus } from '@tracebar/bus';
import { decodeSpanRecordHead } from '@tracebar/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelayMsOf } from '../src/index.js';
import { metricValue, startHarness, type Harness, type SpanReader } from './support/harness.js';
import { jsonBody, postJson, postProtobuf, protobufBody, RawTraceClient, rpcStatus, traceRequest } from './support/otlp-client.js';
import { createSdkPipeline } from './support/sdk-exporters.js';

const PARTITION_MESSAGES = 20;

/** gRPC's own retry policy, which honours grpc-retry-pushback-ms (what a Collector-style client does). */
const retryingChannel = {
  'grpc.service_config': JSON.stringify({
    methodConfig: [
      {
        name: [{ service: 'opentelemetry.proto.collector.trace.v1.TraceService' }],
        retryPolicy: { maxAttempts: 5, initialBackoff: '0.1s', maxBackoff: '2s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
      },
    ],
  }),
};

async function fullBusHarness(label: string, config: Record<string, unknown>): Promise<{ harness: Harness; reader: SpanReader }> {
  const bus = createMemoryBus({ maxPartitionMessages: PARTITION_MESSAGES, publishTimeoutMs: 300, retryAfterMs: 1_000 });
  const harness = await startHarness({ label, bus, config: { topics: { spans: { partitions: 1 } }, bus: { publishTimeoutMs: 300 }, ...config } });
  // A group that reads but does not commit: the partition keeps every record until it does.
  const reader = await harness.reader();
  return { harness, reader };
}

function spanIdsInTopic(reader: SpanReader): Set<string> {
  return new Set(reader.records.map((record) => decodeSpanRecordHead(record.value).spanId));
}

describe('when the bus is full', () => {
  let harness: Harness;
  let reader: SpanReader;

  beforeAll(async () => {
    ({ harness, reader } = await fullBusHarness('bus-full', { ingest: { retryAfterMs: 1_000 } }));
  });
  afterAll(async () => harness?.close());

  it('refuses with 503 + Retry-After and UNAVAILABLE + RetryInfo, and retrying exporters get through once there is room', async () => {
    for (let i = 0; i < PARTITION_MESSAGES / 10; i++) expect((await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(10)))).status).toBe(200);

    const refused = await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(3)));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const status = rpcStatus(refused.body);
    expect(status.code).toBe(14);
    expect(status.message).toBe('the bus cannot take more spans now; retry later');
    expect(retryDelayMsOf(refused.body)).toBe(1_000);

    const refusedJson = await postJson(harness.tracesUrl, jsonBody(2));
    expect(refusedJson.status).toBe(503);
    expect(refusedJson.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(refusedJson.body.toString())).toEqual({
      code: 14,
      message: 'the bus cannot take more spans now; retry later',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }],
    });

    const plainGrpc = new RawTraceClient(harness.grpcAddress);
    const viaGrpc = await plainGrpc.export(protobufBody(traceRequest(3)));
    plainGrpc.close();
    expect(viaGrpc.code).toBe(14);
    expect(retryDelayMsOf(viaGrpc.trailers?.get('grpc-status-details-bin')[0] as Buffer)).toBe(1_000);
    expect(viaGrpc.trailers?.get('grpc-retry-pushback-ms')).toEqual(['1000']);

    // Exporters start while the partition is full; room comes 1.5 s later.
    const refusedBefore = await metricValue(harness.registry, 'tracebar_ingest_refused_spans_total', { reason: 'bus_full' });
    const proto = createSdkPipeline({ kind: 'http/protobuf', grpcAddress: harness.grpcAddress, tracesUrl: harness.tracesUrl, processor: 'simple' });
    const json = createSdkPipeline({ kind: 'http/json', grpcAddress: harness.grpcAddress, tracesUrl: harness.tracesUrl, processor: 'simple' });
    const sdkGrpc = createSdkPipeline({ kind: 'grpc', grpcAddress: harness.grpcAddress, tracesUrl: harness.tracesUrl, processor: 'simple' });
    for (const pipeline of [proto, json, sdkGrpc]) pipeline.provider.getTracer('t').startSpan('while-full').end();
    const retrying = new RawTraceClient(harness.grpcAddress, retryingChannel);
    const retried = retrying.export(protobufBody(traceRequest([{ name: 'grpc-retry-policy' }])));
    setTimeout(() => void reader.commit(), 1_500);

    await Promise.all([proto.provider.forceFlush(), json.provider.forceFlush(), sdkGrpc.provider.forceFlush().catch(() => undefined)]);
    expect((await retried).code).toBe(0);
    retrying.close();
    await Promise.all([proto.shutdown(), json.shutdown(), sdkGrpc.shutdown()]);

    // The HTTP exporters were refused first (the partition was full), retried after Retry-After, and got through.
    expect(await metricValue(harness.registry, 'tracebar_ingest_refused_spans_total', { reason: 'bus_full' })).toBeGreaterThanOrEqual(refusedBefore + 3);
    expect(proto.exports.map((entry) => entry.result.code)).toEqual([0]);
    expect(json.exports.map((entry) => entry.result.code)).toEqual([0]);
    // @opentelemetry/exporter-trace-otlp-grpc 0.223 does not retry any gRPC error: the batch fails with UNAVAILABLE.
    expect(sdkGrpc.exports.map((entry) => entry.result.code)).toEqual([1]);
    expect(sdkGrpc.exports[0]?.result.error).toMatchObject({ code: 14 });

    await reader.waitFor(PARTITION_MESSAGES + 3);
    const inTopic = spanIdsInTopic(reader);
    for (const id of [...proto.acked(), ...json.acked()]) expect(inTopic.has(id)).toBe(true);
    expect(inTopic.size).toBe(PARTITION_MESSAGES + 3);
  });
});

describe("at ingest's in-flight bound", () => {
  let harness: Harness;
  let reader: SpanReader;

  beforeAll(async () => {
    // 1 byte: one request at a time may wait on the bus; everything else is refused at once.
    ({ harness, reader } = await fullBusHarness('in-flight', { ingest: { maxInFlightBytes: 1, retryAfterMs: 2_000 }, bus: { publishTimeoutMs: 5_000 } }));
  });
  afterAll(async () => harness?.close());

  it('refuses other requests at once with 503 / UNAVAILABLE while one waits for the bus', async () => {
    for (let i = 0; i < PARTITION_MESSAGES / 10; i++) expect((await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(10)))).status).toBe(200);
    const waiting = postProtobuf(harness.tracesUrl, protobufBody(traceRequest([{ name: 'waits-for-room' }])));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await metricValue(harness.registry, 'tracebar_ingest_in_flight_bytes')).toBeGreaterThan(0);

    const started = performance.now();
    const refused = await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(1)));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(rpcStatus(refused.body).message).toBe('ingest is at its in-flight bound (ingest.maxInFlightBytes); retry later');
    const grpc = new RawTraceClient(harness.grpcAddress);
    const viaGrpc = await grpc.export(protobufBody(traceRequest(1)));
    grpc.close();
    expect(viaGrpc.code).toBe(14);
    expect(retryDelayMsOf(viaGrpc.trailers?.get('grpc-status-details-bin')[0] as Buffer)).toBe(2_000);

    await reader.commit();
    expect((await waiting).status).toBe(200);
    expect(await metricValue(harness.registry, 'tracebar_ingest_in_flight_bytes')).toBe(0);
    expect(await metricValue(harness.registry, 'tracebar_ingest_refused_bytes_total', { reason: 'in_flight_full' })).toBeGreaterThan(0);
  });
});
