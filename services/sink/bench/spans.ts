// Realistic agent spans for the benchmark: the shape of the proto and ingest benchmarks (about
// 20 attributes, 1 KB of prompt and response text, one event), ~1.9 KB encoded.
import { encodeSpanRecord, toLong, type ISpanRecord } from '@tracebar/proto';

const t0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;

function text(length: number, seed: number): string {
  let s = '';
  while (s.length < length) s += `lorem ipsum ${seed} dolor sit amet, consectetur adipiscing elit; `;
  return s.slice(0, length);
}

export function benchSpan(i: number): ISpanRecord {
  const start = t0 + BigInt(i) * 1_000_000n;
  const session = `sess-${(i % 5_000).toString().padStart(6, '0')}`;
  const stringValues: Record<string, string> = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o-mini',
    'session.id': session,
    'input.value': text(512, i),
    'output.value': text(512, i + 1),
    'gen_ai.tool.name': 'search_flights',
    'gen_ai.tool.call.id': `call_${i}`,
  };
  for (let k = 12; k < 20; k++) stringValues[`app.attr.${k}`] = `value-${k}-${i}`;
  return {
    tenant: 'default',
    sessionKey: session,
    sessionKeySource: 1,
    traceId: (BigInt(i % 5_000) + 0x1000n).toString(16).padStart(32, '0'),
    spanId: (BigInt(i) + 0x10000n).toString(16).padStart(16, '0'),
    parentSpanId: '0101010101010101',
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: toLong(start),
    endTimeUnixNano: toLong(start + 500_000n),
    statusCode: 1,
    serviceName: 'booking-agent',
    serviceVersion: '1.4.2',
    attributes: {
      stringValues,
      intValues: { 'gen_ai.usage.input_tokens': toLong(1234 + i), 'gen_ai.usage.output_tokens': toLong(321), 'http.response.status_code': toLong(200) },
      doubleValues: { 'gen_ai.request.temperature': 0.2 },
      boolValues: { 'llm.is_streaming': false },
    },
    resourceAttributes: { stringValues: { 'service.name': 'booking-agent', 'service.version': '1.4.2' } },
    events: [{ timeUnixNano: toLong(start + 10n), name: 'gen_ai.choice', attributes: { intValues: { index: toLong(0) } } }],
    genAi: { operationName: 'chat', requestModel: 'gpt-4o-mini', inputTokens: toLong(1234 + i), outputTokens: toLong(321), toolName: 'search_flights', toolCallId: `call_${i}` },
    receivedTimeUnixNano: toLong(start + 2_000_000_000n),
  };
}

/** Encoded spans `from` … `from + count - 1`; distinct indexes give distinct span ids. */
export function encodedSpans(count: number, from = 0): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(encodeSpanRecord(benchSpan(from + i))));
}
