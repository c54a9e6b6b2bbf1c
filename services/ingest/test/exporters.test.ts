// The official OpenTelemetry JS exporters (gRPC, HTTP/protobuf, HTTP/JSON) behind a real SDK
// tracer reach the spans topic with every attribute intact and the GenAI fields extracted.
import { SpanKind, type Attributes, type AttributeValue, type Tracer } from '@opentelemetry/api';
import { decodeSpanRecord, toBigInt, type SpanRecord } from '@tracebar/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopics, startHarness, waitUntil, type Harness, type SpanReader } from './support/harness.js';
import { createSdkPipeline, type ExporterKind } from './support/sdk-exporters.js';

let harness: Harness;
let reader: SpanReader;

beforeAll(async () => {
  harness = await startHarness({ label: 'exporters' });
  reader = await harness.reader();
});

afterAll(async () => {
  await harness?.close();
  await deleteTopics([harness?.topic ?? '']);
});

interface Sent {
  name: string;
  attributes: Attributes;
}

/** A small agent session: a chat call, a tool call (OTel GenAI conventions), an OpenInference LLM span. */
function emitSession(tracer: Tracer, conversationId: string, sent: Map<string, Sent>): void {
  const emit = (name: string, attributes: Attributes, kind = SpanKind.INTERNAL) => {
    const span = tracer.startSpan(name, { kind, attributes });
    sent.set(span.spanContext().spanId, { name, attributes });
    span.end();
  };
  emit(
    'chat gpt-4o',
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 1234,
      'gen_ai.usage.output_tokens': 56,
      'gen_ai.conversation.id': conversationId,
      'gen_ai.request.temperature': 0.25,
      'gen_ai.response.finish_reasons': ['stop'],
      'app.streaming': true,
      'app.tags': ['alpha', 'beta'],
      'app.scores': [1, 2, 3],
      'app.prompt': 'Summarize the incident report in three bullet points. '.repeat(20),
    },
    SpanKind.CLIENT,
  );
  emit('execute_tool get_weather', {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.call.id': 'call_42',
    'gen_ai.conversation.id': conversationId,
    'app.city': 'Zürich',
  });
  emit('llm', {
    'openinference.span.kind': 'LLM',
    'session.id': conversationId,
    'llm.model_name': 'claude-sonnet',
    'llm.token_count.prompt': 10,
    'llm.token_count.completion': 20,
    'llm.token_count.total': 30,
    'input.value': 'What is the weather in Zürich?',
    'output.value': 'Sunny, 21 °C.',
  });
}

function expectAttribute(record: SpanRecord, key: string, value: AttributeValue): void {
  const attributes = record.attributes;
  if (Array.isArray(value)) {
    value.forEach((element, i) => expectAttribute(record, `${key}.${i}`, element as AttributeValue));
    return;
  }
  if (typeof value === 'string') expect(attributes?.stringValues[key], key).toBe(value);
  else if (typeof value === 'boolean') expect(attributes?.boolValues[key], key).toBe(value);
  else if (typeof value === 'number' && Number.isInteger(value)) expect(Number(toBigInt(attributes?.intValues[key])), key).toBe(value);
  else expect(attributes?.doubleValues[key], key).toBe(value);
}

describe.each<ExporterKind>(['grpc', 'http/protobuf', 'http/json'])('the OpenTelemetry JS %s exporter', (kind) => {
  it('delivers every span with its attributes and GenAI fields', async () => {
    const pipeline = createSdkPipeline({ kind, grpcAddress: harness.grpcAddress, tracesUrl: harness.tracesUrl, gzip: kind !== 'http/json' });
    const tracer = pipeline.provider.getTracer('ingest-test', '0.1.0');
    const sent = new Map<string, Sent>();
    const conversation = `conv-${kind}-${Date.now()}`;
    emitSession(tracer, conversation, sent);
    for (let i = 0; i < 120; i++) {
      const span = tracer.startSpan(`step ${i}`, { attributes: { 'app.step': i, 'app.ratio': i / 7 + 0.5, 'app.ok': i % 2 === 0, 'app.note': `note ${i}` } });
      sent.set(span.spanContext().spanId, { name: `step ${i}`, attributes: { 'app.step': i, 'app.ratio': i / 7 + 0.5, 'app.ok': i % 2 === 0, 'app.note': `note ${i}` } });
      span.end();
    }
    await pipeline.provider.forceFlush();
    await pipeline.shutdown();

    expect(pipeline.exports.length).toBeGreaterThan(1);
    expect(pipeline.exports.every((entry) => entry.result.code === 0)).toBe(true);
    expect(pipeline.acked().size).toBe(sent.size);

    const records = new Map<string, SpanRecord>();
    await waitUntil(`${sent.size} spans from the ${kind} exporter`, () => {
      for (const record of reader.records) {
        const span = decodeSpanRecord(record.value);
        if (sent.has(span.spanId)) records.set(span.spanId, span);
      }
      return records.size === sent.size;
    });

    for (const [spanId, { name, attributes }] of sent) {
      const record = records.get(spanId) as SpanRecord;
      expect(record.name).toBe(name);
      expect(record.tenant).toBe('default');
      expect(record.serviceName).toBe(`ingest-test-${kind}`);
      expect(record.resourceAttributes?.stringValues['deployment.environment']).toBe('test');
      expect(record.scopeName).toBe('ingest-test');
      for (const [key, value] of Object.entries(attributes)) expectAttribute(record, key, value as AttributeValue);
    }

    const byName = (name: string) => [...records.values()].find((record) => record.name === name) as SpanRecord;
    const chat = byName('chat gpt-4o');
    expect(chat.sessionKey).toBe(conversation);
    expect(chat.genAi).toMatchObject({ operationName: 'chat', providerName: 'openai', requestModel: 'gpt-4o', responseModel: 'gpt-4o-2024-08-06', conversationId: conversation, finishReasons: ['stop'] });
    expect(Number(toBigInt(chat.genAi?.inputTokens))).toBe(1234);
    expect(Number(toBigInt(chat.genAi?.outputTokens))).toBe(56);
    const tool = byName('execute_tool get_weather');
    expect(tool.genAi).toMatchObject({ operationName: 'execute_tool', toolName: 'get_weather', toolCallId: 'call_42' });
    const llm = byName('llm');
    expect(llm.sessionKey).toBe(conversation);
    expect(llm.genAi).toMatchObject({ openinferenceSpanKind: 'LLM', requestModel: 'claude-sonnet', inputValue: 'What is the weather in Zürich?', outputValue: 'Sunny, 21 °C.' });
    expect(Number(toBigInt(llm.genAi?.totalTokens))).toBe(30);

    // Kafka key: tenant/session key, so all of the session's spans share a partition.
    const session = reader.records.filter((record) => decodeSpanRecord(record.value).sessionKey === conversation);
    expect(session).toHaveLength(3);
    expect(new Set(session.map((record) => `${record.key.toString()}@${record.partition}`)).size).toBe(1);
    expect(session[0]?.key.toString()).toBe(`default/${conversation}`);
  });
});
