// Attribute flattening (every OTLP value type, nested arrays and key-value lists) and the
// per-span limits: attribute count and value length.
import { Buffer } from 'node:buffer';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { toBigInt, toLong } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { decodeOtlpProtobuf } from '../../src/decode/decode-otlp-protobuf.js';
import { keyValues, normalize, normalizeSpan, records, request, sdkSpans, span, SpanKind } from './support.js';

describe('attribute flattening', () => {
  it('keeps every attribute type intact through the official protobuf encoding', () => {
    const sent = {
      'app.text': 'héllo ✓ 👋',
      'app.empty': '',
      'app.count': 42,
      'app.negative': -7,
      'app.ratio': 0.125,
      'app.flag': true,
      'app.off': false,
      'app.tags': ['alpha', 'beta'],
      'app.scores': [1, 2, 3],
      'app.ratios': [0.5, 1.5],
      'app.flags': [true, false],
    };
    const spans = sdkSpans((tracer) => tracer.startSpan('op', { kind: SpanKind.INTERNAL, attributes: sent }).end());
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (body === undefined) throw new Error('serializer returned nothing');
    const [record] = records(normalize(decodeOtlpProtobuf(body)));
    const attributes = record?.attributes;
    expect(attributes?.stringValues).toEqual({ 'app.text': 'héllo ✓ 👋', 'app.empty': '', 'app.tags.0': 'alpha', 'app.tags.1': 'beta' });
    expect(Object.fromEntries(Object.entries(attributes?.intValues ?? {}).map(([k, v]) => [k, toBigInt(v)]))).toEqual({
      'app.count': 42n,
      'app.negative': -7n,
      'app.scores.0': 1n,
      'app.scores.1': 2n,
      'app.scores.2': 3n,
    });
    expect(attributes?.doubleValues).toEqual({ 'app.ratio': 0.125, 'app.ratios.0': 0.5, 'app.ratios.1': 1.5 });
    expect(attributes?.boolValues).toEqual({ 'app.flag': true, 'app.off': false, 'app.flags.0': true, 'app.flags.1': false });
    expect(record?.droppedAttributesCount).toBe(0);
  });

  it('flattens key-value lists to dotted keys and arrays to indexed keys, at any depth', () => {
    const record = normalizeSpan(
      span({
        attrs: {
          request: { headers: { accept: 'json', retries: 2 }, items: [{ sku: 'a1', qty: 1 }, { sku: 'b2', qty: 3 }], matrix: [[1, 2], [3]] },
          payload: new Uint8Array([0, 1, 254, 255]),
        },
      }),
    );
    const attributes = record.attributes;
    expect(attributes?.stringValues).toEqual({ 'request.headers.accept': 'json', 'request.items.0.sku': 'a1', 'request.items.1.sku': 'b2' });
    expect(Object.keys(attributes?.intValues ?? {})).toEqual(['request.headers.retries', 'request.items.0.qty', 'request.items.1.qty', 'request.matrix.0.0', 'request.matrix.0.1', 'request.matrix.1.0']);
    expect([...(attributes?.bytesValues?.payload ?? [])]).toEqual([0, 1, 254, 255]);
  });

  it('keeps 64-bit integers exact, at both ends of the range', () => {
    const record = normalizeSpan(span({ attrs: { max: 9_223_372_036_854_775_807n, min: -9_223_372_036_854_775_808n, past53: 9_007_199_254_740_993n } }));
    expect(toBigInt(record.attributes?.intValues?.max)).toBe(9_223_372_036_854_775_807n);
    expect(toBigInt(record.attributes?.intValues?.min)).toBe(-9_223_372_036_854_775_808n);
    expect(toBigInt(record.attributes?.intValues?.past53)).toBe(9_007_199_254_740_993n);
  });

  it('keeps the first of duplicated keys, in one map only, and counts the rest as dropped', () => {
    const record = normalizeSpan(
      span({
        attributes: [
          { key: 'dup', value: { stringValue: 'first' } },
          { key: 'dup', value: { intValue: toLong(2) } },
          { key: 'a.b', value: { boolValue: true } },
          ...keyValues({ a: { b: 'nested' } }),
        ],
      }),
    );
    expect(record.attributes?.stringValues).toEqual({ dup: 'first' });
    expect(record.attributes?.intValues).toEqual({});
    expect(record.attributes?.boolValues).toEqual({ 'a.b': true });
    expect(record.droppedAttributesCount).toBe(2);
  });

  it('treats keys such as __proto__ and constructor as plain keys', () => {
    const record = normalizeSpan(
      span({
        attributes: [
          { key: '__proto__', value: { stringValue: 'p' } },
          { key: 'constructor', value: { stringValue: 'c' } },
          { key: 'toString', value: { intValue: toLong(1) } },
        ],
      }),
    );
    expect(record.attributes?.stringValues).toEqual({ ['__proto__']: 'p', constructor: 'c' });
    expect(Object.entries(record.attributes?.intValues ?? {}).map(([key, value]) => [key, toBigInt(value)])).toEqual([['toString', 1n]]);
  });

  it('stores nothing for an empty value and skips attributes without a value', () => {
    const record = normalizeSpan(span({ attributes: [{ key: 'empty', value: {} }, { key: 'none' }, { key: 'kept', value: { stringValue: 'yes' } }] }));
    expect(record.attributes?.stringValues).toEqual({ kept: 'yes' });
  });

  it('flattens resource, scope, event and link attributes the same way', () => {
    const result = normalize({
      resourceSpans: [
        {
          resource: { attributes: keyValues({ 'service.name': 'svc', 'service.version': '9.9', host: { name: 'h1' } }) },
          scopeSpans: [
            {
              scope: { name: 'lib', version: '1.2', attributes: keyValues({ 'lib.mode': 'fast' }) },
              schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
              spans: [
                span({
                  events: [{ timeUnixNano: toLong(5n), name: 'exception', attributes: keyValues({ 'exception.type': 'Timeout', 'exception.stack': ['a', 'b'] }) }],
                  links: [{ traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), attributes: keyValues({ 'link.kind': 'follows' }) }],
                }),
              ],
            },
          ],
        },
      ],
    });
    const [record] = records(result);
    expect(record?.serviceName).toBe('svc');
    expect(record?.serviceVersion).toBe('9.9');
    expect(record?.resourceAttributes?.stringValues).toEqual({ 'service.name': 'svc', 'service.version': '9.9', 'host.name': 'h1' });
    expect(record?.scopeName).toBe('lib');
    expect(record?.scopeVersion).toBe('1.2');
    expect(record?.scopeSchemaUrl).toBe('https://opentelemetry.io/schemas/1.30.0');
    expect(record?.scopeAttributes?.stringValues).toEqual({ 'lib.mode': 'fast' });
    expect(record?.events[0]?.toJSON()).toEqual({
      timeUnixNano: '5',
      name: 'exception',
      attributes: { stringValues: { 'exception.type': 'Timeout', 'exception.stack.0': 'a', 'exception.stack.1': 'b' } },
    });
    expect(record?.links[0]?.toJSON()).toEqual({ traceId: '01'.repeat(16), spanId: '02'.repeat(8), attributes: { stringValues: { 'link.kind': 'follows' } } });
  });
});

describe('attribute limits', () => {
  it('keeps a 10,000-attribute span with the first 1,024 attributes, counts the rest, and warns', () => {
    const attrs: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) attrs[`attr.${String(i).padStart(5, '0')}`] = i;
    const result = normalize(request([span({ attrs, droppedAttributesCount: 5 })]));
    expect(result.rejectedSpans).toBe(0);
    const [record] = records(result);
    const kept = Object.keys(record?.attributes?.intValues ?? {});
    expect(kept).toHaveLength(1_024);
    expect(kept[0]).toBe('attr.00000');
    expect(kept[1_023]).toBe('attr.01023');
    expect(record?.droppedAttributesCount).toBe(5 + 10_000 - 1_024);
    expect(result.counts.droppedAttributes).toBe(10_000 - 1_024);
    expect(result.warnings).toEqual(['8976 attribute value(s) dropped: over the limit of 1024 per span, event, link, resource or scope']);
  });

  it('counts flattened leaves against the limit', () => {
    const result = normalize(request([span({ attrs: { list: ['a', 'b', 'c', 'd'], after: 'x' } })]), { maxAttributesPerSpan: 3 });
    const [record] = records(result);
    expect(record?.attributes?.stringValues).toEqual({ 'list.0': 'a', 'list.1': 'b', 'list.2': 'c' });
    expect(record?.droppedAttributesCount).toBe(2);
  });

  it('truncates long string values at the limit, without splitting a surrogate pair, and counts them', () => {
    const result = normalize(
      request([
        span({
          attrs: { long: 'a'.repeat(40), emoji: `${'b'.repeat(19)}😀😀`, exact: 'c'.repeat(20), list: ['d'.repeat(25)] },
          events: [{ timeUnixNano: toLong(1n), name: 'e', attributes: keyValues({ text: 'e'.repeat(30) }) }],
        }),
      ]),
      { maxAttributeValueLength: 20 },
    );
    const [record] = records(result);
    expect(record?.attributes?.stringValues).toEqual({ long: 'a'.repeat(20), emoji: 'b'.repeat(19), exact: 'c'.repeat(20), 'list.0': 'd'.repeat(20) });
    expect(record?.events[0]?.attributes?.stringValues?.text).toBe('e'.repeat(20));
    expect(record?.truncatedValueCount).toBe(4);
    expect(result.counts.truncatedValues).toBe(4);
    expect(result.warnings).toEqual(['4 attribute value(s) truncated to 20 characters']);
    expect(Buffer.from(record?.attributes?.stringValues?.emoji ?? '', 'utf8').toString('utf8')).toBe('b'.repeat(19));
  });
});
