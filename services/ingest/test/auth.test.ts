// With ingest.apiKeys configured: no key or an unknown key is 401 / UNAUTHENTICATED and
// nothing is published; a good key's tenant is the first part of every record key.
import { decodeSpanRecord } from '@tracebar/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopics, metricValue, startHarness, waitUntil, type Harness, type SpanReader } from './support/harness.js';
import { postProtobuf, protobufBody, RawTraceClient, rpcStatus, traceRequest } from './support/otlp-client.js';
import { createSdkPipeline } from './support/sdk-exporters.js';

const ACME = 'acme-0123456789-abcdef';
const GLOBEX = 'globex-0123456789-abcdef';

let harness: Harness;
let reader: SpanReader;
let grpc: RawTraceClient;

beforeAll(async () => {
  harness = await startHarness({ label: 'auth', config: { ingest: { apiKeys: [{ key: ACME, tenant: 'acme' }, { key: GLOBEX, tenant: 'globex' }] } } });
  reader = await harness.reader();
  grpc = new RawTraceClient(harness.grpcAddress);
});

afterAll(async () => {
  grpc?.close();
  await harness?.close();
  await deleteTopics([harness?.topic ?? '']);
});

/** Record keys of the spans with these names, once all are in the topic. */
async function keysOf(names: string[]): Promise<string[]> {
  await waitUntil(`spans ${names.join(', ')}`, () => names.every((name) => reader.records.some((r) => decodeSpanRecord(r.value).name === name)));
  return names.map((name) => reader.records.find((r) => decodeSpanRecord(r.value).name === name)?.key.toString() ?? '');
}

describe('API keys', () => {
  it('refuses a missing or unknown key over HTTP and gRPC, publishing nothing', async () => {
    const body = protobufBody(traceRequest([{ name: 'refused' }]));
    const missing = await postProtobuf(harness.tracesUrl, body);
    expect(missing.status).toBe(401);
    expect(rpcStatus(missing.body)).toMatchObject({ code: 16, message: 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"' });
    const unknown = await postProtobuf(harness.tracesUrl, body, { authorization: 'Bearer not-a-configured-key-000' });
    expect(unknown.status).toBe(401);
    expect(rpcStatus(unknown.body).message).toBe('unknown API key');
    const wrongScheme = await postProtobuf(harness.tracesUrl, body, { authorization: `Basic ${ACME}` });
    expect(wrongScheme.status).toBe(401);

    expect(await grpc.export(body)).toMatchObject({ code: 16, details: expect.stringMatching(/^missing API key/) as unknown });
    expect(await grpc.export(body, { 'x-api-key': 'nope-nope-nope-nope' })).toMatchObject({ code: 16, details: 'unknown API key' });
    expect(await metricValue(harness.registry, 'tracebar_ingest_rejected_bytes_total', { reason: 'unauthenticated' })).toBeGreaterThan(0);
    expect(await metricValue(harness.registry, 'tracebar_ingest_accepted_spans_total')).toBe(0);
  });

  it('maps each good key to its tenant in the record key (Bearer and x-api-key, HTTP and gRPC)', async () => {
    const send = (name: string) => protobufBody(traceRequest([{ name }]));
    expect((await postProtobuf(harness.tracesUrl, send('http-bearer'), { authorization: `Bearer ${ACME}` })).status).toBe(200);
    expect((await postProtobuf(harness.tracesUrl, send('http-x-api-key'), { 'x-api-key': GLOBEX })).status).toBe(200);
    expect((await grpc.export(send('grpc-bearer'), { authorization: `bearer ${GLOBEX}` })).code).toBe(0);
    expect((await grpc.export(send('grpc-x-api-key'), { 'x-api-key': ACME })).code).toBe(0);
    const keys = await keysOf(['http-bearer', 'http-x-api-key', 'grpc-bearer', 'grpc-x-api-key']);
    expect(keys.map((key) => key.split('/')[0])).toEqual(['acme', 'globex', 'globex', 'acme']);
    expect(reader.records.some((r) => decodeSpanRecord(r.value).name === 'refused')).toBe(false);
  });

  it('the SDK exporters with a key: their tenant; without: a failed export', async () => {
    for (const kind of ['grpc', 'http/protobuf'] as const) {
      const good = createSdkPipeline({ kind, grpcAddress: harness.grpcAddress, tracesUrl: harness.tracesUrl, apiKey: ACME, processor: 'simple' });
      good.provider.getTracer('t').startSpan(`sdk-${kind}`).end();
      await good.provider.forceFlush();
      await good.shutdown();
      expect(good.exports.map((entry) => entry.result.code)).toEqual([0]);

      const anonymous = createSdkPipeline({ kind, grpcAddress: harness.grpcAddress, tracesUrl: harness.tracesUrl, processor: 'simple' });
      anonymous.provider.getTracer('t').startSpan(`sdk-${kind}-anonymous`).end();
      // SimpleSpanProcessor's flush rejects with the export's errors; the recording has them.
      await expect(anonymous.provider.forceFlush()).rejects.toBeDefined();
      await anonymous.shutdown();
      expect(anonymous.exports.map((entry) => entry.result.code)).toEqual([1]);
      // gRPC: the ServiceError's code; HTTP: OTLPExporterError with the status and the Status body.
      expect(anonymous.exports[0]?.result.error).toMatchObject(kind === 'grpc' ? { code: 16 } : { code: 401 });
    }
    expect(await keysOf(['sdk-grpc', 'sdk-http/protobuf'])).toEqual([expect.stringMatching(/^acme\//), expect.stringMatching(/^acme\//)]);
  });
});
