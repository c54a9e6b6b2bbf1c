// The hand-written SpanRecord encoder against the generated one: same bytes (and so the same
// decoded message) for records covering every field and the edge cases of each wire type.
import { Buffer } from 'node:buffer';
import { SpanRecord, toLong, type IAttributes, type ISpanRecord } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { AttributeSink } from '../normalize/attribute-sink.js';
import { attributesMessage, isArrayIndex, type AttributeList } from './attribute-list.js';
import { encodeSharedFields, encodeSpanRecord, toSpanRecordMessage, writeSpanRecord, type SharedFieldsSource, type SpanRecordInput } from './span-record-encoder.js';
import { WireWriter } from './wire-writer.js';

function generated(record: SpanRecordInput): Buffer {
  return Buffer.from(SpanRecord.encode(toSpanRecordMessage(record)).finish());
}

function expectSameAsGenerated(record: SpanRecordInput): void {
  const fast = encodeSpanRecord(record);
  const reference = generated(record);
  // Identical bytes (so identical decoded messages); hex only for a readable diff when not.
  if (!fast.equals(reference)) expect(fast.toString('hex')).toBe(reference.toString('hex'));
}

/** Null-prototype maps, as the normalizer's (keys such as "__proto__" are own properties). */
function map<T>(entries: Record<string, T>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of Object.entries(entries)) out[key] = value;
  return out;
}

const long = (value: bigint) => toLong(value);
const signed = (value: bigint) => toLong(value).toSigned();

const richAttributes: IAttributes = {
  stringValues: map({ '': '', empty: '', ascii: 'plain', 'ünï.cødé': 'Grüße, 世界 🚀', long: `${'é'.repeat(70)}${'x'.repeat(20_000)}` }),
  // Plain numbers too: the JSON path and hand-built records may hold them (typed as Long).
  intValues: map<ReturnType<typeof toLong>>({ zero: long(0n), max: long(9_223_372_036_854_775_807n), min: signed(-9_223_372_036_854_775_808n), neg: signed(-1n), beyond53: long(2n ** 53n + 1n), plainNumber: 42 as never, negativeNumber: -7 as never }),
  doubleValues: map({ nan: NaN, inf: Infinity, ninf: -Infinity, negzero: -0, tiny: 5e-324, pi: Math.PI }),
  boolValues: map({ yes: true, no: false }),
  bytesValues: map({ none: new Uint8Array(0), some: new Uint8Array([0, 1, 127, 128, 255]), big: new Uint8Array(300).fill(9) }),
};

const fullRecord: ISpanRecord = {
  tenant: 'acme',
  sessionKey: 'conv-ü-1',
  sessionKeySource: 2,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  name: 'chat gpt-4o',
  kind: 3,
  startTimeUnixNano: long(1_700_000_000_000_000_000n),
  endTimeUnixNano: long(18_446_744_073_709_551_615n),
  statusCode: 2,
  statusMessage: 'upstream timeout',
  serviceName: 'support-agent',
  serviceVersion: '2.4.1',
  sessionEnd: true,
  attributes: richAttributes,
  resourceAttributes: { stringValues: map({ 'service.name': 'support-agent', __proto__: 'p', toString: 't' }) },
  scopeName: 'agent-instrumentation',
  scopeVersion: '0.9.0',
  scopeAttributes: { boolValues: map({ 'scope.flag': true }) },
  events: [
    { timeUnixNano: long(5n), name: 'gen_ai.choice', attributes: { stringValues: map({ 'message.content': 'hi' }) }, droppedAttributesCount: 1 },
    { timeUnixNano: long(0n) },
  ],
  links: [
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203332', traceState: 'a=b', attributes: { intValues: map({ n: long(3n) }) }, droppedAttributesCount: 2, flags: 0xffffffff },
    { traceId: '', spanId: '' },
  ],
  genAi: {
    operationName: 'chat',
    openinferenceSpanKind: 'LLM',
    providerName: 'openai',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    inputTokens: long(0n),
    outputTokens: long(2n ** 60n),
    totalTokens: signed(-5n),
    toolName: 'lookup_order',
    toolCallId: 'call_1',
    toolCallArguments: '{"order_id":"A-2231"}',
    toolCallResult: 'x'.repeat(5_000),
    conversationId: 'conv-1',
    agentName: 'support',
    agentId: 'agent-7',
    inputMessages: [
      { role: 'system', content: 'Be concise.' },
      { role: 'user', content: '', name: 'ü' },
      { role: 'assistant', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }, {}], finishReason: 'tool_calls' },
      { role: 'tool', toolCallId: 'c1', content: 'y'.repeat(200) },
    ],
    outputMessages: [{ role: 'assistant', content: 'z'.repeat(130), finishReason: 'stop' }],
    systemInstructions: 'Be nice.',
    inputValue: 'in',
    outputValue: 'out',
    finishReasons: ['stop', '', 'length'],
    responseId: 'chatcmpl-1',
    errorType: 'Timeout',
    cacheReadInputTokens: long(7n),
  },
  traceState: 'congo=t61rcWkgMzE',
  flags: 257,
  droppedAttributesCount: 4_294_967_295,
  droppedEventsCount: 3,
  droppedLinksCount: 1,
  receivedTimeUnixNano: long(1_700_000_000_123_456_789n),
  resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  scopeSchemaUrl: '',
  truncatedValueCount: 2,
  redactedValueCount: 128,
  liftedAttributeKeys: ['gen_ai.input.messages', ''],
};

describe('encodeSpanRecord', () => {
  it('writes the same bytes as the generated encoder for a record with every field set', () => {
    expectSameAsGenerated(fullRecord);
    expect(SpanRecord.decode(encodeSpanRecord(fullRecord))).toEqual(SpanRecord.decode(generated(fullRecord)));
  });

  it('matches on an empty record and on fields set to their default values', () => {
    expectSameAsGenerated({});
    expectSameAsGenerated({ tenant: '', kind: 0, flags: 0, sessionEnd: false, startTimeUnixNano: long(0n), attributes: {}, genAi: {}, events: [], links: [] });
  });

  it('matches on negative enums and counts (ten-byte int32, uint32 wrap) and plain-number 64-bit fields', () => {
    // Enums are open (OTLP numbers kept as sent); the generated types do not say so.
    const numbers: Record<string, unknown> = { kind: -1, statusCode: -2_147_483_648, sessionKeySource: 2_147_483_647, flags: -1, startTimeUnixNano: 1_700_000_000_000, endTimeUnixNano: -1 };
    expectSameAsGenerated({ ...(numbers as SpanRecordInput), genAi: { inputTokens: -3 as never, outputTokens: (2 ** 53 - 1) as never } });
  });

  it('matches on strings around the one-byte length and 40-character boundaries, and on lone surrogates', () => {
    for (const length of [0, 1, 39, 40, 41, 42, 43, 44, 63, 64, 127, 128, 129, 16_383, 16_384, 16_385]) {
      for (const unit of ['a', 'é', '€', '😀', '\ud800', '\udc00x']) {
        const text = unit.repeat(length).slice(0, length);
        expectSameAsGenerated({ name: text, attributes: { stringValues: map({ [text]: text }) } });
      }
    }
  });

  it('matches on nested message lengths that need one to four bytes', () => {
    for (const size of [0, 100, 120, 127, 128, 200, 16_370, 16_400]) {
      const text = 'q'.repeat(size);
      expectSameAsGenerated({ genAi: { inputMessages: [{ content: text, toolCalls: [{ arguments: text }] }] }, events: [{ name: text }], links: [{ traceState: text }], attributes: { bytesValues: map({ b: Buffer.from(text) }) } });
    }
    expectSameAsGenerated({ attributes: { bytesValues: map({ b: Buffer.alloc(2_100_000, 7) }) } });
  });

  it('lists array-index keys first, in numeric order, as the generated encoder (Object.keys) does', () => {
    const keys = ['b', '10', 'a', '2', '0', '01', '4294967294', '4294967295', '-1', '1.5'];
    const stringValues = map(Object.fromEntries(keys.map((key) => [key, `v${key}`])));
    expectSameAsGenerated({ attributes: { stringValues } });
    const list: AttributeList = listOf(keys.map((key) => [key, `v${key}`]));
    expect(list.hasIndexKeys).toBe(true);
    expect(encodeSpanRecord({ attributes: list }).toString('hex')).toBe(generated({ attributes: { stringValues } }).toString('hex'));
  });

  it('writes attribute lists like the equivalent maps', () => {
    const list = listOf([
      ['s', 'text'],
      ['i', long(-5n).toSigned()],
      ['d', NaN],
      ['b', true],
      ['x', new Uint8Array([1, 2])],
      ['3', 'index key'],
      ['__proto__', 'own key'],
      ['s2', ''],
    ]);
    expectSameAsGenerated({ attributes: list, resourceAttributes: list, scopeAttributes: list, events: [{ attributes: list }], links: [{ attributes: list }] });
    expect(attributesMessage(list)?.stringValues?.['__proto__']).toBe('own key');
  });

  it('writes shared resource and scope fields encoded once like the record own ones', () => {
    const shared: SharedFieldsSource = {
      serviceName: fullRecord.serviceName,
      serviceVersion: fullRecord.serviceVersion,
      resourceAttributes: fullRecord.resourceAttributes,
      scopeName: fullRecord.scopeName,
      scopeVersion: fullRecord.scopeVersion,
      scopeAttributes: fullRecord.scopeAttributes,
      resourceSchemaUrl: fullRecord.resourceSchemaUrl,
      scopeSchemaUrl: fullRecord.scopeSchemaUrl,
    };
    const own: SpanRecordInput = { ...fullRecord };
    for (const field of Object.keys(shared)) delete (own as Record<string, unknown>)[field];
    const writer = new WireWriter(16);
    const fields = encodeSharedFields(writer, shared);
    // Records written one after another into a small scratch buffer that has to grow.
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      starts.push(writer.pos);
      writeSpanRecord(writer, own, fields);
    }
    const reference = generated({ ...own, ...shared }).toString('hex');
    for (const start of starts) expect(writer.buf.subarray(start, start + reference.length / 2).toString('hex')).toBe(reference);
  });
});

describe('attribute lists', () => {
  it('recognizes canonical array indexes only', () => {
    for (const key of ['0', '7', '10', '4294967294']) expect(isArrayIndex(key)).toBe(true);
    for (const key of ['', '01', '-1', '1.5', '4294967295', '99999999999', 'a1', '1a']) expect(isArrayIndex(key)).toBe(false);
  });
});

function listOf(entries: [string, unknown][]): AttributeSink {
  const sink = new AttributeSink(1_024);
  for (const [key, value] of entries) {
    expect(sink.admit(key)).toBe(true);
    if (typeof value === 'string') sink.putString(key, value);
    else if (typeof value === 'number') sink.putDouble(key, value);
    else if (typeof value === 'boolean') sink.putBool(key, value);
    else if (value instanceof Uint8Array) sink.putBytes(key, value);
    else sink.putInt(key, value as ReturnType<typeof toLong>);
  }
  return sink;
}
