// Codec benchmark (`npm run bench -w @tracebar/proto`): decode/encode cost of the generated
// code on realistic agent spans. Prints µs per operation and spans per CPU-second.
import {
  ExportTraceServiceRequest,
  SessionRecord,
  SpanRecord,
  decodeExportTraceServiceRequest,
  decodeSessionRecord,
  decodeSpanRecord,
  decodeSpanRecordHead,
  encodeExportTraceServiceRequest,
  encodeSessionRecord,
  encodeSessionRecordWithSpanBytes,
  encodeSpanRecord,
  reviewItemFromJsonLine,
  reviewItemToJsonLine,
  toLong,
  type IKeyValue,
  type IOtlpSpan,
  type ISpanRecord,
} from '../src/index.js';

const spansPerRequest = 100;
const spansPerSession = 30;
const t0 = 1_732_000_000_000_000_000n;

function text(length: number, seed: number): string {
  let s = '';
  while (s.length < length) s += `lorem ipsum ${seed} dolor sit amet, consectetur adipiscing elit; `;
  return s.slice(0, length);
}

/** ~20 attributes per span, ~1 KB of prompt/response text (the ingest benchmark's shape). */
function otlpAttributes(i: number): IKeyValue[] {
  const kv: IKeyValue[] = [
    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
    { key: 'gen_ai.usage.input_tokens', value: { intValue: toLong(1234 + i) } },
    { key: 'gen_ai.usage.output_tokens', value: { intValue: toLong(321) } },
    { key: 'gen_ai.request.temperature', value: { doubleValue: 0.2 } },
    { key: 'session.id', value: { stringValue: 'sess-000123' } },
    { key: 'input.value', value: { stringValue: text(512, i) } },
    { key: 'output.value', value: { stringValue: text(512, i + 1) } },
    { key: 'gen_ai.tool.name', value: { stringValue: 'search_flights' } },
    { key: 'gen_ai.tool.call.id', value: { stringValue: `call_${i}` } },
    { key: 'http.response.status_code', value: { intValue: toLong(200) } },
    { key: 'llm.is_streaming', value: { boolValue: false } },
  ];
  for (let k = kv.length; k < 20; k++) kv.push({ key: `app.attr.${k}`, value: { stringValue: `value-${k}-${i}` } });
  return kv;
}

function otlpSpan(i: number): IOtlpSpan {
  const start = t0 + BigInt(i) * 1_000_000n;
  return {
    traceId: new Uint8Array(16).fill(7),
    spanId: new Uint8Array(8).fill((i % 255) + 1),
    parentSpanId: new Uint8Array(8).fill(1),
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: toLong(start),
    endTimeUnixNano: toLong(start + 500_000n),
    attributes: otlpAttributes(i),
    events: [{ timeUnixNano: toLong(start + 10n), name: 'gen_ai.choice', attributes: [{ key: 'index', value: { intValue: toLong(0) } }] }],
    status: { code: 1 },
  };
}

function spanRecord(i: number): ISpanRecord {
  const start = t0 + BigInt(i) * 1_000_000n;
  const stringValues: Record<string, string> = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o-mini',
    'session.id': 'sess-000123',
    'input.value': text(512, i),
    'output.value': text(512, i + 1),
    'gen_ai.tool.name': 'search_flights',
    'gen_ai.tool.call.id': `call_${i}`,
  };
  for (let k = 12; k < 20; k++) stringValues[`app.attr.${k}`] = `value-${k}-${i}`;
  return {
    tenant: 'default',
    sessionKey: 'sess-000123',
    sessionKeySource: 1,
    traceId: '07070707070707070707070707070707',
    spanId: `${((i % 255) + 1).toString(16).padStart(2, '0')}00000000000000`,
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
    genAi: {
      operationName: 'chat',
      requestModel: 'gpt-4o-mini',
      inputTokens: toLong(1234 + i),
      outputTokens: toLong(321),
      toolName: 'search_flights',
      toolCallId: `call_${i}`,
    },
    receivedTimeUnixNano: toLong(start + 2_000_000_000n),
  };
}

function bench(name: string, spans: number, fn: () => unknown, ms = Number(process.env.BENCH_MS ?? 2000)): void {
  for (let i = 0; i < 100; i++) fn();
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - t) / 1e6 < ms) {
    fn();
    n++;
  }
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perOp = (wall / n) * 1e6;
  const rate = spans > 0 ? `${Math.round((n * spans) / cpuSeconds).toLocaleString('en-US').padStart(9)} spans/CPU-s` : '';
  console.log(`${name.padEnd(46)} ${perOp.toFixed(1).padStart(8)} µs/op  ${rate}`);
}

const request = ExportTraceServiceRequest.fromObject({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'booking-agent' } }] },
      scopeSpans: [{ scope: { name: 'openinference', version: '1' }, spans: Array.from({ length: spansPerRequest }, (_, i) => otlpSpan(i)) }],
    },
  ],
});
const requestBytes = encodeExportTraceServiceRequest(request);
const record = SpanRecord.fromObject(spanRecord(1));
const recordBytes = encodeSpanRecord(record);
const session = SessionRecord.fromObject({
  tenant: 'default',
  sessionKey: 'sess-000123',
  revision: 1,
  spans: Array.from({ length: spansPerSession }, (_, i) => spanRecord(i)),
});
const sessionBytes = encodeSessionRecord(session);
const spanBytes = session.spans.map((s) => encodeSpanRecord(s));
const reviewLine = reviewItemToJsonLine({ tenant: 'default', sessionKey: 's', priority: 0.8, reasons: [{ code: 'tool_error_rate', contribution: 0.8 }] });

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log(`OTLP request: ${spansPerRequest} spans, ${requestBytes.length} bytes; SpanRecord: ${recordBytes.length} bytes; SessionRecord: ${spansPerSession} spans, ${sessionBytes.length} bytes`);
bench(`OTLP ExportTraceServiceRequest decode (${spansPerRequest} spans)`, spansPerRequest, () => decodeExportTraceServiceRequest(requestBytes));
bench(`OTLP ExportTraceServiceRequest encode (${spansPerRequest} spans)`, spansPerRequest, () => encodeExportTraceServiceRequest(request));
bench('SpanRecord decode', 1, () => decodeSpanRecord(recordBytes));
bench('SpanRecord encode', 1, () => encodeSpanRecord(record));
bench('SpanRecordHead decode (of SpanRecord bytes)', 1, () => decodeSpanRecordHead(recordBytes));
bench(`SessionRecord decode (${spansPerSession} spans)`, spansPerSession, () => decodeSessionRecord(sessionBytes));
bench(`SessionRecord encode (${spansPerSession} spans)`, spansPerSession, () => encodeSessionRecord(session));
bench(`SessionRecord encode, spliced span bytes (${spansPerSession})`, spansPerSession, () =>
  encodeSessionRecordWithSpanBytes({ tenant: 'default', sessionKey: 'sess-000123', revision: 1 }, spanBytes),
);
bench('ReviewItem toJsonLine', 0, () => reviewItemToJsonLine(reviewItemFromJsonLine(reviewLine)));
