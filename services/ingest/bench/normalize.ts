// Micro-benchmark of the ingest conversion path: OTLP/protobuf decode, normalize + SpanRecord
// encode, and both together, on a realistic 100-span agent request built with the official
// OpenTelemetry SDK and serializer; plus the SpanRecord encoders alone on the same records: the
// generated protobufjs one and the normalizer's own (src/encode). Prints spans per CPU-second
// (user + system time of this process), median of several runs. Not a test:
//   npx tsx services/ingest/bench/normalize.ts [otel|openinference]
import { Buffer } from 'node:buffer';
import { SpanKind, type Attributes, type Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { configSchema, type IngestConfig } from '@tracebar/config';
import { SpanRecord, decodeSpanRecord, type ISpanRecord } from '@tracebar/proto';
import { decodeOtlpProtobuf } from '../src/decode/decode-otlp-protobuf.js';
import { writeSpanRecord } from '../src/encode/span-record-encoder.js';
import { WireWriter } from '../src/encode/wire-writer.js';
import { createNormalizer } from '../src/normalize/create-normalizer.js';
import type { Normalizer } from '../src/span-batch.js';

type Convention = 'otel' | 'openinference';

const SPANS_PER_REQUEST = 100;
const RUN_MS = 1_500;
const RUNS = 3;

const question = 'My order #A-2231 arrived damaged and the replacement you promised last week never shipped. Can you check what happened and tell me when it will arrive? ';
const systemPrompt = 'You are a support agent for an online store. Be concise, cite order numbers, never promise refunds above $200 without a supervisor, and always confirm the shipping address before re-sending an item. ';
const answer = 'I checked order A-2231: the replacement was created on Monday but is still waiting at the warehouse because the address failed validation. I have corrected the postcode and re-queued the shipment; it should arrive within 3 business days. ';

function chatAttributes(convention: Convention, turn: number, conversationId: string): Attributes {
  const input = [
    { role: 'system', parts: [{ type: 'text', content: systemPrompt }] },
    { role: 'user', parts: [{ type: 'text', content: question }] },
  ];
  const output = [{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' }];
  const common: Attributes = {
    'server.address': 'api.openai.com',
    'server.port': 443,
    'app.turn': turn,
    'app.user_tier': 'gold',
    'app.region': 'eu-west-1',
    'app.experiment': 'ranker-v2',
    'app.cache_hit': false,
  };
  if (convention === 'otel') {
    return {
      ...common,
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.response.id': `chatcmpl-${turn}`,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 96,
      'gen_ai.conversation.id': conversationId,
      'gen_ai.input.messages': JSON.stringify(input),
      'gen_ai.output.messages': JSON.stringify(output),
    };
  }
  return {
    ...common,
    'openinference.span.kind': 'LLM',
    'session.id': conversationId,
    'llm.provider': 'openai',
    'llm.model_name': 'gpt-4o',
    'llm.invocation_parameters': '{"temperature":0.2,"max_tokens":512}',
    'llm.token_count.prompt': 812,
    'llm.token_count.completion': 96,
    'llm.token_count.total': 908,
    'llm.input_messages.0.message.role': 'system',
    'llm.input_messages.0.message.content': systemPrompt,
    'llm.input_messages.1.message.role': 'user',
    'llm.input_messages.1.message.content': question,
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': answer,
  };
}

/** One agent session: an agent span, then chat and tool spans in turn (about 20 attributes each). */
function emitRequestSpans(tracer: Tracer, convention: Convention): void {
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const conversationId = `conv-${Math.floor(i / 10)}`;
    const span = tracer.startSpan(i % 2 === 0 ? 'chat gpt-4o' : 'execute_tool lookup_order', {
      kind: i % 2 === 0 ? SpanKind.CLIENT : SpanKind.INTERNAL,
      attributes: i % 2 === 0 ? chatAttributes(convention, i, conversationId) : toolAttributes(convention, i, conversationId),
    });
    span.end();
  }
}

function toolAttributes(convention: Convention, turn: number, conversationId: string): Attributes {
  const args = JSON.stringify({ order_id: 'A-2231', include_history: true, fields: ['status', 'shipments', 'address'] });
  const result = JSON.stringify({ status: 'replacement_pending', warehouse: 'AMS-2', address_valid: false, history: [question, answer] });
  const common: Attributes = { 'app.turn': turn, 'app.user_tier': 'gold', 'app.region': 'eu-west-1', 'tool.latency_budget_ms': 1500, 'tool.retries': 0 };
  if (convention === 'otel') {
    return {
      ...common,
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': `call_${turn}`,
      'gen_ai.tool.type': 'function',
      'gen_ai.conversation.id': conversationId,
      'gen_ai.tool.call.arguments': args,
      'gen_ai.tool.call.result': result,
      'app.tool_version': '3.1.0',
      'app.cache': 'miss',
      'app.shard': 7,
      'app.warehouse': 'AMS-2',
      'app.sla_ms': 800,
      'app.dry_run': false,
    };
  }
  return {
    ...common,
    'openinference.span.kind': 'TOOL',
    'session.id': conversationId,
    'tool.name': 'lookup_order',
    'tool_call.id': `call_${turn}`,
    'tool.description': 'Looks an order up by id',
    'input.value': args,
    'input.mime_type': 'application/json',
    'output.value': result,
    'output.mime_type': 'application/json',
    'app.tool_version': '3.1.0',
    'app.cache': 'miss',
    'app.shard': 7,
    'app.warehouse': 'AMS-2',
  };
}

function buildBody(convention: Convention): { body: Buffer; spans: ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-agent', 'service.version': '2.4.1', 'deployment.environment.name': 'prod' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  emitRequestSpans(provider.getTracer('agent-instrumentation', '0.9.0'), convention);
  const spans = exporter.getFinishedSpans();
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('serializer returned nothing');
  return { body: Buffer.from(bytes), spans };
}

/** Spans per CPU-second of `work` (which handles `spansPerCall` spans), median of RUNS runs. */
function measure(work: () => void, spansPerCall: number): number {
  for (let i = 0; i < 50; i++) work(); // warm up the JIT
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    let calls = 0;
    while (performance.now() - wallStart < RUN_MS) {
      for (let i = 0; i < 10; i++) work();
      calls += 10;
    }
    const cpu = process.cpuUsage(cpuStart);
    rates.push((calls * spansPerCall) / ((cpu.user + cpu.system) / 1e6));
  }
  return rates.sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number;
}

function ingestConfig(redaction: boolean): IngestConfig {
  const config = configSchema.parse({}).ingest;
  if (!redaction) return config;
  return {
    ...config,
    redaction: { dropKeys: ['app.experiment'], hashKeys: ['app.user_*'], hashSalt: 'bench', maskPatterns: ['email', 'card', 'ipv4', 'bearer'] },
  };
}

const fmt = (n: number): string => `${(n / 1000).toFixed(0)}k`;

function benchCase(convention: Convention, redaction: boolean): void {
  const { body } = buildBody(convention);
  const normalizer: Normalizer = createNormalizer(ingestConfig(redaction), { maxMessageBytes: 1_048_576 });
  const context = { tenant: 'default', receivedTimeUnixNano: 1_700_000_000_000_000_000n };
  const decoded = decodeOtlpProtobuf(body);
  const sample = normalizer(decoded, context);
  if (sample.spans.length !== SPANS_PER_REQUEST) throw new Error(`expected ${SPANS_PER_REQUEST} spans, got ${sample.spans.length}: ${sample.rejectionReasons.join('; ')}`);
  const recordBytes = sample.spans.reduce((sum, span) => sum + span.value.length, 0) / SPANS_PER_REQUEST;

  const decodedRecords = sample.spans.map((span) => decodeSpanRecord(span.value));
  // The fast encoder takes plain objects (as the normalizer builds them), not decoded messages.
  const plainRecords = decodedRecords.map((record) => SpanRecord.toObject(record) as ISpanRecord);
  const writer = new WireWriter(1_048_576);
  plainRecords.forEach((record, i) => {
    writer.pos = 0;
    writeSpanRecord(writer, record);
    if (!writer.buf.subarray(0, writer.pos).equals(sample.spans[i]?.value ?? Buffer.alloc(0))) throw new Error(`record ${i}: the encoders disagree`);
  });

  const decode = measure(() => void decodeOtlpProtobuf(body), SPANS_PER_REQUEST);
  const encodeOnly = measure(() => {
    for (const record of decodedRecords) SpanRecord.encode(record).finish();
  }, SPANS_PER_REQUEST);
  const fastEncodeOnly = measure(() => {
    writer.pos = 0;
    for (const record of plainRecords) writeSpanRecord(writer, record);
  }, SPANS_PER_REQUEST);
  const normalizeEncode = measure(() => void normalizer(decoded, context), SPANS_PER_REQUEST);
  const total = measure(() => void normalizer(decodeOtlpProtobuf(body), context), SPANS_PER_REQUEST);
  console.log(
    `| ${convention} | ${redaction ? 'drop+hash+4 masks' : 'none'} | ${(body.length / 1024).toFixed(0)} KB | ${recordBytes.toFixed(0)} B | ${fmt(decode)} | ${fmt(normalizeEncode)} | ${fmt(total)} | ${fmt(encodeOnly)} | ${fmt(fastEncodeOnly)} |`,
  );
}

console.log(`Node ${process.version}, ${SPANS_PER_REQUEST} spans per request, median of ${RUNS} runs of ${RUN_MS} ms; spans per CPU-second`);
console.log('| conventions | redaction | request | record (avg) | decode | normalize+encode | total | generated SpanRecord.encode alone | src/encode alone |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
const only = process.argv[2] as Convention | undefined;
for (const convention of only ? [only] : (['otel', 'openinference'] as const)) {
  benchCase(convention, false);
  benchCase(convention, true);
}
