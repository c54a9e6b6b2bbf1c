// Bad requests, each alone beside a stream of valid ones (HTTP protobuf, JSON and gRPC): the bad
// one gets its documented status and reason, every valid one is acknowledged and in the topic.
import { Readable } from 'node:stream';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { decodeSpanRecord } from '@tracebar/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopics, metricValue, startHarness, waitUntil, type Harness, type SpanReader } from './support/harness.js';
import { post, postJson, postProtobuf, protobufBody, protobufSuccess, RawTraceClient, rpcStatus, traceRequest, type HttpAnswer } from './support/otlp-client.js';
import { rawGrpcCall } from './support/raw-grpc.js';
import { spanIdsIn, startValidTraffic } from './support/valid-traffic.js';

const MAX_BODY = 2 * 1_048_576;

let harness: Harness;
let reader: SpanReader;
let grpc: RawTraceClient;
let gzipBomb: Buffer;

/** 1 GiB of zeros, gzipped as a stream (never held whole): about 1 MB. */
async function makeGzipBomb(): Promise<Buffer> {
  const zeros = Buffer.alloc(1_048_576);
  let left = 1_024;
  const source = new Readable({ read() { this.push(left-- > 0 ? zeros : null); } });
  const chunks: Buffer[] = [];
  for await (const chunk of source.pipe(createGzip({ level: constants.Z_BEST_COMPRESSION }))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  [harness, gzipBomb] = await Promise.all([startHarness({ label: 'bad-input', config: { ingest: { maxBodyBytes: MAX_BODY } } }), makeGzipBomb()]);
  reader = await harness.reader();
  grpc = new RawTraceClient(harness.grpcAddress);
});

afterAll(async () => {
  grpc?.close();
  await harness?.close();
  await deleteTopics([harness?.topic ?? '']);
});

/** Runs `bad` while valid traffic flows; checks the valid traffic got through, all of it. */
async function besideValidTraffic(bad: () => Promise<void>): Promise<void> {
  const traffic = startValidTraffic(harness.tracesUrl, harness.grpcAddress);
  try {
    await traffic.progress(3);
    await bad();
    await traffic.progress(3);
  } finally {
    await traffic.stop();
  }
  expect(traffic.failures).toEqual([]);
  expect(traffic.acked.size).toBeGreaterThanOrEqual(30);
  await waitUntil('every acknowledged span in the topic', () => {
    const present = spanIdsIn(reader.records);
    return [...traffic.acked].every((id) => present.has(id));
  });
}

function expectStatus(answer: HttpAnswer, http: number, grpcCode: number, message: RegExp): void {
  expect(answer.status).toBe(http);
  expect(answer.headers.get('content-type')).toBe('application/x-protobuf');
  const status = rpcStatus(answer.body);
  expect(status.code).toBe(grpcCode);
  expect(status.message).toMatch(message);
  expect(answer.headers.get('retry-after')).toBeNull();
}

describe('bad input beside valid traffic', () => {
  it('truncated protobuf: 400 / INVALID_ARGUMENT with the decoder reason', async () => {
    await besideValidTraffic(async () => {
      const body = protobufBody(traceRequest(20));
      const truncated = body.subarray(0, body.length - 7);
      expectStatus(await postProtobuf(harness.tracesUrl, truncated), 400, 3, /^invalid OTLP\/protobuf request: .*truncated/);
      const viaGrpc = await grpc.export(truncated);
      expect(viaGrpc.code).toBe(3);
      expect(viaGrpc.details).toMatch(/^invalid OTLP\/protobuf request/);
      const details = viaGrpc.trailers?.get('grpc-status-details-bin')[0];
      expect(rpcStatus(details as Buffer).code).toBe(3);
    });
    expect(await metricValue(harness.registry, 'tracebar_ingest_rejected_bytes_total', { reason: 'invalid_request' })).toBeGreaterThan(0);
  });

  it('invalid JSON: 400 with a google.rpc.Status in JSON', async () => {
    await besideValidTraffic(async () => {
      const answer = await postJson(harness.tracesUrl, '{"resourceSpans": [{"scopeSpans": [');
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('application/json');
      const status = JSON.parse(answer.body.toString()) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/^invalid OTLP\/JSON request/);
    });
  });

  it('wrong content type: 415 naming the supported types; unknown content encoding: 415', async () => {
    await besideValidTraffic(async () => {
      const answer = await post(harness.tracesUrl, 'hello', { 'content-type': 'text/plain' });
      expect(answer.status).toBe(415);
      expect(answer.body.toString()).toBe('unsupported Content-Type "text/plain"; send application/x-protobuf or application/json');
      const brotli = await postProtobuf(harness.tracesUrl, protobufBody(traceRequest(1)), { 'content-encoding': 'br' });
      expect(brotli.status).toBe(415);
      expect(rpcStatus(brotli.body).message).toBe('unsupported Content-Encoding "br"; send gzip or none');
    });
  });

  it('bad gzip: 400 over HTTP; gRPC gets INTERNAL from grpc-js', async () => {
    await besideValidTraffic(async () => {
      const notGzip = Buffer.from('this is not gzip at all');
      expectStatus(await postProtobuf(harness.tracesUrl, notGzip, { 'content-encoding': 'gzip' }), 400, 3, /^request body is not valid gzip/);
      const cut = gzipSync(protobufBody(traceRequest(10))).subarray(0, 40);
      expectStatus(await postProtobuf(harness.tracesUrl, cut, { 'content-encoding': 'gzip' }), 400, 3, /^request body is not valid gzip/);
      const viaGrpc = await rawGrpcCall(harness.grpcAddress, notGzip, { compressed: true });
      expect(viaGrpc).toEqual({ status: 13, message: 'Failed to decompress message' });
    });
  });

  it('a body over ingest.maxBodyBytes: 413 / RESOURCE_EXHAUSTED', async () => {
    await besideValidTraffic(async () => {
      const big = protobufBody(traceRequest([{ attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(MAX_BODY + 1) } }] }]));
      expectStatus(await postProtobuf(harness.tracesUrl, big), 413, 8, /over ingest\.maxBodyBytes \(2097152 bytes/);
      const viaGrpc = await grpc.export(big);
      expect(viaGrpc.code).toBe(8);
    });
    expect(await metricValue(harness.registry, 'tracebar_ingest_rejected_bytes_total', { reason: 'body_too_large' })).toBeGreaterThan(MAX_BODY);
  });

  it('a gzip bomb (1 GiB of zeros in ~1 MB): 413 / RESOURCE_EXHAUSTED, memory stays flat', async () => {
    expect(gzipBomb.length).toBeLessThan(MAX_BODY);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      await besideValidTraffic(async () => {
        const answers = await Promise.all([
          postProtobuf(harness.tracesUrl, gzipBomb, { 'content-encoding': 'gzip' }),
          postProtobuf(harness.tracesUrl, gzipBomb, { 'content-encoding': 'gzip' }),
        ]);
        for (const answer of answers) expectStatus(answer, 413, 8, /counted after decompression/);
        const viaGrpc = await rawGrpcCall(harness.grpcAddress, gzipBomb, { compressed: true });
        expect(viaGrpc.status).toBe(8);
        expect(viaGrpc.message).toMatch(/decompresses to a size larger than 2097152/);
      });
    } finally {
      clearInterval(sampler);
    }
    // Two bombs decompressed whole would be 2 GiB; stopping at the limit keeps it to a few MiB each.
    expect(peak - rssBefore).toBeLessThan(256 * 1_048_576);
  });

  it('an empty request: success, nothing published', async () => {
    await besideValidTraffic(async () => {
      const answer = await postProtobuf(harness.tracesUrl, Buffer.alloc(0));
      expect(answer.status).toBe(200);
      expect(answer.body.length).toBe(0);
      expect((await grpc.export(Buffer.alloc(0))).code).toBe(0);
    });
  });

  it('invalid trace and span ids: partial success rejecting just those spans', async () => {
    await besideValidTraffic(async () => {
      const request = traceRequest([{ name: 'ok' }, { name: 'bad-trace', traceId: new Uint8Array(15) }, { name: 'bad-span', spanId: new Uint8Array(9) }]);
      const answer = await postProtobuf(harness.tracesUrl, protobufBody(request));
      expect(answer.status).toBe(200);
      const partial = protobufSuccess(answer).partialSuccess;
      expect(Number(partial?.rejectedSpans)).toBe(2);
      expect(partial?.errorMessage).toMatch(/^span rejected: .*trace.?id.*resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]/);
      expect(partial?.errorMessage).toMatch(/span rejected: .*span.?id.*spans\[2\]/);
    });
    expect(reader.records.some((record) => decodeSpanRecord(record.value).name === 'ok')).toBe(true);
    expect(reader.records.some((record) => ['bad-trace', 'bad-span'].includes(decodeSpanRecord(record.value).name))).toBe(false);
  });

  it('a span with 10,000 attributes: accepted with ingest.maxAttributesPerSpan of them, the drop reported', async () => {
    const droppedBefore = await metricValue(harness.registry, 'tracebar_ingest_dropped_attributes_total');
    await besideValidTraffic(async () => {
      const attributes = Array.from({ length: 10_000 }, (_, i) => ({ key: `attr.${i}`, value: { stringValue: `value-${i}` } }));
      const answer = await postProtobuf(harness.tracesUrl, protobufBody(traceRequest([{ name: 'wide', attributes }])));
      expect(answer.status).toBe(200);
      const partial = protobufSuccess(answer).partialSuccess;
      expect(Number(partial?.rejectedSpans)).toBe(0);
      expect(partial?.errorMessage).toBe('8976 attribute value(s) dropped: over the limit of 1024 per span, event, link, resource or scope');
    });
    const wide = reader.records.map((record) => decodeSpanRecord(record.value)).find((span) => span.name === 'wide');
    expect(Object.keys(wide?.attributes?.stringValues ?? {})).toHaveLength(1_024);
    expect(wide?.droppedAttributesCount).toBe(8_976);
    expect((await metricValue(harness.registry, 'tracebar_ingest_dropped_attributes_total')) - droppedBefore).toBe(8_976);
  });

  it('404 for another path, 405 for another method', async () => {
    const base = harness.tracesUrl.replace('/v1/traces', '');
    const notFound = await fetch(`${base}/v1/metrics`, { method: 'POST', body: 'x' });
    expect(notFound.status).toBe(404);
    const wrongMethod = await fetch(harness.tracesUrl);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });
});
