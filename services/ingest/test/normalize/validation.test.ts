// Per-span validation: a bad span is rejected alone with a reason, the rest of the request goes
// on; lenient rules where SDKs are lenient; record size; deterministic output.
import { Buffer } from 'node:buffer';
import { decodeSpanRecord, toBigInt, toLong } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../../src/decode/decode-otlp-json.js';
import { createNormalizer, RECORD_FRAMING_RESERVE_BYTES } from '../../src/normalize/create-normalizer.js';
import { END, fixtureRequest, hexBytes, ingestConfig, MAX_MESSAGE_BYTES, normalize, normalizeSpan, RECEIVED, records, request, span, START, TENANT } from './support.js';

const good = (spanIdHex: string) => span({ spanId: hexBytes(spanIdHex), name: `good ${spanIdHex}` });

describe('span validation', () => {
  it('rejects spans with bad ids one by one and keeps the others', () => {
    const result = normalize(
      request([
        good('0000000000000001'),
        span({ traceId: hexBytes('0af7651916cd43dd8448eb211c8031') }),
        span({ traceId: new Uint8Array(16) }),
        span({ spanId: new Uint8Array(0) }),
        good('0000000000000002'),
        span({ spanId: new Uint8Array(8) }),
        span({ parentSpanId: hexBytes('0102') }),
        span({ traceId: new Uint8Array(16) }),
        good('0000000000000003'),
      ]),
    );
    expect(records(result).map((r) => r.name)).toEqual(['good 0000000000000001', 'good 0000000000000002', 'good 0000000000000003']);
    expect(result.rejectedSpans).toBe(6);
    expect(result.rejectionReasons).toEqual([
      'span rejected: trace_id: expected 16 bytes, got 15 (first at resourceSpans[0].scopeSpans[0].spans[1])',
      'span rejected: trace_id is all zeros (first at resourceSpans[0].scopeSpans[0].spans[2])',
      'span rejected: span_id missing (first at resourceSpans[0].scopeSpans[0].spans[3])',
      'span rejected: span_id is all zeros (first at resourceSpans[0].scopeSpans[0].spans[5])',
      'span rejected: parent_span_id: expected 8 bytes or none, got 2 (first at resourceSpans[0].scopeSpans[0].spans[6])',
    ]);
  });

  it('keeps at most five distinct reasons however many spans are rejected', () => {
    const spans = Array.from({ length: 20 }, (_, i) => span({ traceId: new Uint8Array(i + 1) }));
    const result = normalize(request(spans));
    expect(result.rejectedSpans).toBe(20);
    expect(result.rejectionReasons).toHaveLength(5);
  });

  it('rejects an OTLP/JSON span with invalid id text by the decoder reason, and keeps its neighbours', () => {
    const text = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'ok', startTimeUnixNano: '1', endTimeUnixNano: '2' },
                { traceId: 'W4/v95gDgQPSabYzgT/GDA==', spanId: 'eee19b7ec3c1b174', name: 'base64', startTimeUnixNano: '1', endTimeUnixNano: '2' },
              ],
            },
          ],
        },
      ],
    });
    const result = normalize(decodeOtlpJson(text));
    expect(records(result).map((r) => r.name)).toEqual(['ok']);
    expect(result.rejectionReasons).toEqual([
      'span rejected: traceId: expected 32 hex characters, got non-hex text (OTLP/JSON ids are hex, not base64) (first at resourceSpans[0].scopeSpans[0].spans[1])',
    ]);
  });

  it('treats an all-zero parent id as a root span', () => {
    const record = normalizeSpan(span({ parentSpanId: new Uint8Array(8) }));
    expect(record.parentSpanId).toBe('');
  });

  it('accepts an empty span name (OTLP: an unknown name)', () => {
    expect(normalizeSpan(span({ name: '' })).name).toBe('');
  });

  it('rejects a span without a start time', () => {
    const result = normalize(request([span({ startTimeUnixNano: toLong(0n) })]));
    expect(result.rejectionReasons).toEqual(['span rejected: start_time_unix_nano missing (first at resourceSpans[0].scopeSpans[0].spans[0])']);
  });

  it('sets a missing or earlier end time to the start time, as the SDKs do, and warns', () => {
    const result = normalize(request([span({ endTimeUnixNano: toLong(START - 1n) }), span({ endTimeUnixNano: toLong(0n) }), span()]));
    const [before, missing, normal] = records(result);
    expect(toBigInt(before?.endTimeUnixNano)).toBe(START);
    expect(toBigInt(missing?.endTimeUnixNano)).toBe(START);
    expect(toBigInt(normal?.endTimeUnixNano)).toBe(END);
    expect(result.warnings).toEqual(['2 span(s) without an end time or ending before their start: end time set to the start time']);
  });

  it('drops links with invalid ids, counts them on the span, and warns', () => {
    const record = normalize(
      request([
        span({
          droppedLinksCount: 1,
          links: [
            { traceId: new Uint8Array(16).fill(9), spanId: new Uint8Array(8).fill(9) },
            { traceId: new Uint8Array(3), spanId: new Uint8Array(8).fill(9) },
            { traceId: new Uint8Array(16).fill(9), spanId: new Uint8Array(8) },
          ],
        }),
      ]),
    );
    const [decoded] = records(record);
    expect(decoded?.links).toHaveLength(1);
    expect(decoded?.droppedLinksCount).toBe(3);
    expect(record.warnings).toEqual(['2 span link(s) with an invalid trace or span id dropped']);
  });

  it('rejects a span whose record would exceed the topic message limit, saying so', () => {
    const limit = 16_384;
    const result = normalize(request([span({ attrs: { big: 'x'.repeat(20_000) } }), span({ attrs: { small: 'y' } })]), {}, limit);
    expect(records(result).map((r) => Object.keys(r.attributes?.stringValues ?? {}))).toEqual([['small']]);
    expect(result.rejectedSpans).toBe(1);
    expect(result.rejectionReasons[0]).toMatch(/^span rejected: record too large for the spans topic \(limit 16384 bytes\) \(first at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\], \d+ bytes\)$/);
    // The accepted record leaves room for Kafka framing and headers.
    const accepted = result.spans[0];
    expect((accepted?.value.length ?? 0) + Buffer.byteLength(accepted?.key ?? '') + RECORD_FRAMING_RESERVE_BYTES).toBeLessThanOrEqual(limit);
    expect(result.counts.truncatedValues).toBe(0);
  });

  it('returns Buffers that decode to the record, with the tenant and received time stamped', () => {
    const [normalized] = normalize(request([span()])).spans;
    expect(Buffer.isBuffer(normalized?.value)).toBe(true);
    const record = decodeSpanRecord(normalized?.value ?? new Uint8Array());
    expect(record.tenant).toBe('acme');
    expect(toBigInt(record.receivedTimeUnixNano)).toBe(1_700_000_000_123_456_789n);
    expect(toBigInt(record.startTimeUnixNano)).toBe(START);
  });

  it('hands out records as views of shared segments of at most 16 KiB (or one record), untouched by later requests', () => {
    const sizes = [10, 3_000, 40_000, 5, 16_000, 200, 9_000, 9_000, 1, 60_000, 12];
    const spans = sizes.map((size, i) => span({ spanId: hexBytes(`00000000000001${(i + 16).toString(16)}`), attrs: { text: 't'.repeat(size) } }));
    const normalizer = createNormalizer(ingestConfig(), { maxMessageBytes: MAX_MESSAGE_BYTES });
    const context = { tenant: TENANT, receivedTimeUnixNano: RECEIVED };
    const result = normalizer(request(spans), context);
    const copies = result.spans.map((s) => Buffer.from(s.value));
    expect(records(result).map((r) => r.attributes?.stringValues?.text?.length)).toEqual(sizes);
    const segments = new Map<ArrayBuffer, number>();
    for (const { value } of result.spans) segments.set(value.buffer as ArrayBuffer, (segments.get(value.buffer as ArrayBuffer) ?? 0) + value.length);
    expect(segments.size).toBeGreaterThan(1);
    expect(segments.size).toBeLessThan(sizes.length);
    for (const { value } of result.spans) {
      const bytes = segments.get(value.buffer as ArrayBuffer) ?? 0;
      expect(bytes <= 16 * 1024 || bytes === value.length).toBe(true);
    }
    // The normalizer reuses its scratch buffer; what it handed out before must not change.
    normalizer(request(spans.map((s) => ({ ...s, name: 'other' }))), context);
    expect(result.spans.map((s) => s.value)).toEqual(copies);
  });

  it('is deterministic: the same request gives the same keys and bytes, from any normalizer', () => {
    for (const fixture of ['genai-otel-semconv.json', 'genai-openinference.json', 'genai-legacy.json']) {
      const first = normalize(fixtureRequest(fixture), { redaction: { hashKeys: ['user.id'], maskPatterns: ['email'] } });
      const second = normalize(fixtureRequest(fixture), { redaction: { hashKeys: ['user.id'], maskPatterns: ['email'] } });
      expect(second.spans.map((s) => s.key)).toEqual(first.spans.map((s) => s.key));
      expect(second.spans.map((s) => s.value.toString('hex'))).toEqual(first.spans.map((s) => s.value.toString('hex')));
      expect(first.spans.length).toBeGreaterThan(0);
    }
  });

  it('skips empty resource and scope entries and answers an empty request with nothing', () => {
    expect(normalize({}).spans).toEqual([]);
    const result = normalize({ resourceSpans: [{}, { scopeSpans: [{}, { spans: [] }] }, { scopeSpans: [{ spans: [span()] }] }] });
    expect(result.spans).toHaveLength(1);
    expect(result.rejectedSpans).toBe(0);
  });
});
