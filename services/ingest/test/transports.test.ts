// Each transport and encoding end to end on the real broker: success answers, partial
// success for invalid spans, empty requests, and what lands in the spans topic.
import { gzipSync } from 'node:zlib';
import { decodeSpanRecordHead, parseSessionRecordKey, schemaHeader } from '@tracebar/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopics, metricValue, startHarness, type Harness, type SpanReader } from './support/harness.js';
import { jsonBody, postJson, postProtobuf, protobufBody, protobufSuccess, RawTraceClient, traceRequest } from './support/otlp-client.js';

let harness: Harness;
let reader: SpanReader;
let grpc: RawTraceClient;

beforeAll(async () => {
  harness = await startHarness({ label: 'transports' });
  reader = await harness.reader();
  grpc = new RawTraceClient(harness.grpcAddress);
});

afterAll(async () => {
  grpc?.close();
  await harness?.close();
  await deleteTopics([harness?.topic ?? '']);
});

describe('OTLP transports', () => {
  it('acknowledges HTTP protobuf, HTTP JSON, gzip and gRPC, and every span is in the topic', async () => {
    const before = reader.records.length;
    const plain = await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(5)));
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/x-protobuf');
    expect(plain.body.length).toBe(0);

    const zipped = await postProtobuf(harness.tracesUrl, gzipSync(protobufBody(traceRequest(4))), { 'content-encoding': 'gzip' });
    expect(zipped.status).toBe(200);

    const json = await postJson(harness.tracesUrl, jsonBody(3));
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(json.body.toString())).toEqual({});

    const viaGrpc = await grpc.export(protobufBody(traceRequest(2)));
    expect(viaGrpc.code).toBe(0);
    expect(viaGrpc.response?.partialSuccess ?? null).toBeNull();

    const records = await reader.waitFor(before + 14);
    const fresh = records.slice(before);
    expect(fresh).toHaveLength(14);
    for (const record of fresh) {
      const head = decodeSpanRecordHead(record.value);
      expect(record.key.toString()).toBe(`default/${head.sessionKey}`);
      expect(parseSessionRecordKey(record.key.toString())?.tenant).toBe('default');
      expect(record.headers[schemaHeader]?.toString()).toBe('tracebar.v1.SpanRecord');
      expect(record.headers['content-type']?.toString()).toBe('application/x-protobuf');
    }
    expect(await metricValue(harness.registry, 'tracebar_ingest_accepted_spans_total')).toBeGreaterThanOrEqual(14);
    const scrape = await harness.registry.metrics();
    expect(scrape).toMatch(/^tracebar_ingest_requests_total\{protocol="http_protobuf",status="200"\} [1-9]/m);
    expect(scrape).toMatch(/^tracebar_ingest_requests_total\{protocol="grpc",status="OK"\} [1-9]/m);
    expect(scrape).toMatch(/^tracebar_ingest_accepted_spans_total\{protocol="http_json"\} [3-9]/m);
    expect(scrape).toMatch(/^tracebar_ingest_request_duration_seconds_count\{protocol="grpc"\} [1-9]/m);
    expect(scrape).toMatch(/^tracebar_ingest_in_flight_bytes 0$/m);
  });

  it('answers an empty request with success and publishes nothing', async () => {
    const before = await metricValue(harness.registry, 'tracebar_ingest_accepted_spans_total');
    const http = await postProtobuf(harness.tracesUrl, Buffer.alloc(0));
    expect(http.status).toBe(200);
    expect(http.body.length).toBe(0);
    const json = await postJson(harness.tracesUrl, '{}');
    expect(json.status).toBe(200);
    const viaGrpc = await grpc.export(Buffer.alloc(0));
    expect(viaGrpc.code).toBe(0);
    expect(await metricValue(harness.registry, 'tracebar_ingest_accepted_spans_total')).toBe(before);
  });

  it('rejects spans with invalid ids as a partial success and keeps the rest', async () => {
    const before = reader.records.length;
    const request = traceRequest([{ name: 'good-1' }, { name: 'short-trace', traceId: new Uint8Array(3) }, { name: 'good-2' }, { name: 'no-span-id', spanId: new Uint8Array(0) }]);
    const answer = await postProtobuf(harness.tracesUrl, protobufBody(request));
    expect(answer.status).toBe(200);
    const partial = protobufSuccess(answer).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(2);
    expect(partial?.errorMessage).toMatch(/id/i);

    const viaGrpc = await grpc.export(protobufBody(request));
    expect(viaGrpc.code).toBe(0);
    expect(Number(viaGrpc.response?.partialSuccess?.rejectedSpans)).toBe(2);

    await reader.waitFor(before + 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reader.records.length - before).toBe(4);
  });
});
