// Random span records for equivalence tests: every field reachable, values at the edges (int64
// extremes, -0, nan/inf, floats whose text switches to exponent form, unicode, escapes, empty),
// with a seeded generator so that a failure repeats.
import { toLong, type IAttributes, type IGenAiMessage, type ISpanRecord, type SessionKeySource, type SpanKind, type StatusCode } from '@tracebar/proto';
import { ns } from './messages.js';

/** mulberry32: small, seeded, good enough for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const texts = ['', 'a', 'héllo ✓', '"quoted"\n\ttab \\ \u0001', '日本語テキスト', 'x'.repeat(300), 'emoji 🚀 and more', 'plain value'];
const doubles = [0, -0, 0.25, 0.1 + 0.2, 1e21, 1e20, 1e-7, 1.5e-7, 0.000001, 123456789012345680000, 5e-324, 1.7976931348623157e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1e-300];
const ints = [0n, 1n, -1n, 42n, 9_007_199_254_740_993n, -9_223_372_036_854_775_808n, 9_223_372_036_854_775_807n, 4_294_967_296n];

export function randomSpans(count: number, seed: number): ISpanRecord[] {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const chance = (p: number) => random() < p;
  const text = () => pick(texts);
  const double = () => (chance(0.5) ? pick(doubles) : (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30));
  const int = () => toLong(chance(0.5) ? pick(ints) : BigInt(Math.floor((random() - 0.5) * 2 ** 40)));
  const uint32 = () => (chance(0.3) ? pick([0, 1, 0x7fffffff, 0xffffffff]) : Math.floor(random() * 1_000));
  const keys = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}.${i}.${pick(['k', 'ключ', 'key with space', ''])}`);
  const attributes = (prefix: string): IAttributes | undefined => {
    if (chance(0.2)) return undefined;
    const size = () => Math.floor(random() * 4);
    const map = <T>(kind: string, value: () => T) => Object.fromEntries(keys(size(), `${prefix}.${kind}`).map((k) => [k, value()]));
    return {
      stringValues: map('s', text),
      intValues: map('i', int),
      doubleValues: map('d', double),
      boolValues: map('b', () => chance(0.5)),
      bytesValues: map('y', () => new Uint8Array(Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * 256)))),
    };
  };
  const message = (): IGenAiMessage => ({
    role: pick(['system', 'user', 'assistant', 'tool']),
    content: text(),
    ...(chance(0.4) ? { toolCalls: Array.from({ length: 1 + Math.floor(random() * 2) }, (_, i) => ({ id: `call_${i}`, name: text(), arguments: '{"a":1}' })) } : {}),
    ...(chance(0.3) ? { toolCallId: 'call_0', name: text() } : {}),
    ...(chance(0.3) ? { finishReason: 'stop' } : {}),
  });
  return Array.from({ length: count }, (_, i): ISpanRecord => {
    const start = BigInt(Math.floor(random() * 3_600_000_000_000));
    return {
      tenant: pick(['acme', 'globex', 't']),
      sessionKey: chance(0.9) ? `sess-${i % 7}` : '',
      sessionKeySource: pick([0, 1, 2, 3, 4, 12]) as SessionKeySource, // 12: a number added later
      traceId: (BigInt(i) + 0xabcn).toString(16).padStart(32, '0'),
      spanId: `${seed.toString(16)}${i.toString(16).padStart(8, '0')}`,
      parentSpanId: chance(0.5) ? '' : 'ffeeddccbbaa9988',
      name: text(),
      kind: pick([0, 1, 2, 3, 4, 5, 9]) as SpanKind,
      startTimeUnixNano: ns(start),
      endTimeUnixNano: ns(chance(0.9) ? start + BigInt(Math.floor(random() * 1e12)) : start - 5n),
      statusCode: pick([0, 1, 2, 7]) as StatusCode,
      ...(chance(0.5) ? { statusMessage: text() } : {}),
      serviceName: text(),
      serviceVersion: text(),
      sessionEnd: chance(0.2),
      ...(chance(0.9) ? { attributes: attributes('span') } : {}),
      ...(chance(0.7) ? { resourceAttributes: attributes('resource') } : {}),
      scopeName: text(),
      scopeVersion: text(),
      ...(chance(0.5) ? { scopeAttributes: attributes('scope') } : {}),
      events: Array.from({ length: Math.floor(random() * 3) }, (_, e) => ({ timeUnixNano: ns(start + BigInt(e)), name: text(), ...(chance(0.7) ? { attributes: attributes('event') } : {}), droppedAttributesCount: uint32() })),
      links: Array.from({ length: Math.floor(random() * 2) }, () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: text(), ...(chance(0.7) ? { attributes: attributes('link') } : {}), flags: uint32() })),
      ...(chance(0.8)
        ? {
            genAi: {
              operationName: text(),
              requestModel: text(),
              ...(chance(0.5) ? { inputTokens: int() } : {}),
              ...(chance(0.5) ? { outputTokens: toLong(0) } : {}),
              ...(chance(0.3) ? { totalTokens: int() } : {}),
              ...(chance(0.3) ? { cacheReadInputTokens: int() } : {}),
              toolName: text(),
              toolCallArguments: text(),
              inputMessages: Array.from({ length: Math.floor(random() * 3) }, message),
              outputMessages: Array.from({ length: Math.floor(random() * 2) }, message),
              finishReasons: chance(0.5) ? ['stop', text()] : [],
              inputValue: text(),
              errorType: text(),
            },
          }
        : {}),
      traceState: text(),
      flags: uint32(),
      droppedAttributesCount: uint32(),
      droppedEventsCount: uint32(),
      droppedLinksCount: uint32(),
      receivedTimeUnixNano: ns(start + 2_000_000_000n),
      resourceSchemaUrl: text(),
      scopeSchemaUrl: text(),
      truncatedValueCount: uint32(),
      redactedValueCount: uint32(),
      liftedAttributeKeys: chance(0.5) ? ['input.value', text()] : [],
    };
  });
}
