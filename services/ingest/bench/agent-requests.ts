// Realistic agent traffic for the ingest benchmark: OTLP/protobuf requests of 100 spans from
// the OpenTelemetry JS SDK and its serializer. Each request holds 10 conversations of 10 spans
// (an agent turn: chat calls and tool calls, ~20 attributes and ~1 KB of prompt, response or
// tool text each), two thirds in the OTel GenAI conventions, one third in OpenInference.
import { randomUUID } from 'node:crypto';
import { SpanKind, type Attributes, type Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export const SPANS_PER_REQUEST = 100;
const SPANS_PER_CONVERSATION = 10;

const systemPrompt =
  'You are the support agent of an online store. Answer in at most five sentences, cite order numbers, never promise a refund above 200 EUR without a supervisor, and confirm the shipping address before re-sending anything. ';
const question =
  'Hi, my order A-2231 arrived with a cracked screen and the replacement you promised last Tuesday still has not shipped. I need it before the weekend because it is a birthday present. What happened, and when will it arrive? ';
const answer =
  'I am sorry about the damaged screen. The replacement for order A-2231 was created on Tuesday but is held at the AMS-2 warehouse because the postcode failed validation. I corrected the postcode and re-queued the shipment with express delivery at no cost; it will arrive on Friday before 12:00, tracking number 3SABC1234567. ';

type Convention = 'otel' | 'openinference';

function chat(convention: Convention, turn: number, conversationId: string): Attributes {
  const common: Attributes = { 'server.address': 'api.openai.com', 'server.port': 443, 'app.turn': turn, 'app.user_tier': 'gold', 'app.region': 'eu-west-1', 'app.cache_hit': false };
  if (convention === 'otel') {
    return {
      ...common,
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.response.id': `chatcmpl-${conversationId}-${turn}`,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 96,
      'gen_ai.conversation.id': conversationId,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'system', parts: [{ type: 'text', content: systemPrompt }] },
        { role: 'user', parts: [{ type: 'text', content: question }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' }]),
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

function tool(convention: Convention, turn: number, conversationId: string): Attributes {
  const args = JSON.stringify({ order_id: 'A-2231', include_history: true, fields: ['status', 'shipments', 'address'] });
  const result = JSON.stringify({ status: 'replacement_pending', warehouse: 'AMS-2', address_valid: false, notes: [question, answer.slice(0, 200)] });
  const common: Attributes = { 'app.turn': turn, 'app.user_tier': 'gold', 'app.region': 'eu-west-1', 'app.tool_version': '3.1.0', 'app.cache': 'miss', 'app.shard': 7, 'app.sla_ms': 800 };
  if (convention === 'otel') {
    return {
      ...common,
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': `call_${conversationId}_${turn}`,
      'gen_ai.tool.type': 'function',
      'gen_ai.conversation.id': conversationId,
      'gen_ai.tool.call.arguments': args,
      'gen_ai.tool.call.result': result,
      'app.warehouse': 'AMS-2',
      'app.retries': 0,
      'app.dry_run': false,
      'app.latency_budget_ms': 1500,
    };
  }
  return {
    ...common,
    'openinference.span.kind': 'TOOL',
    'session.id': conversationId,
    'tool.name': 'lookup_order',
    'tool_call.id': `call_${conversationId}_${turn}`,
    'tool.description': 'Looks an order up by id',
    'input.value': args,
    'input.mime_type': 'application/json',
    'output.value': result,
    'output.mime_type': 'application/json',
    'app.warehouse': 'AMS-2',
    'app.retries': 0,
  };
}

function emit(tracer: Tracer, convention: Convention): void {
  for (let c = 0; c < SPANS_PER_REQUEST / SPANS_PER_CONVERSATION; c++) {
    const conversationId = `conv-${randomUUID()}`;
    for (let turn = 0; turn < SPANS_PER_CONVERSATION; turn++) {
      const isChat = turn % 2 === 0;
      tracer
        .startSpan(isChat ? 'chat gpt-4o' : 'execute_tool lookup_order', {
          kind: isChat ? SpanKind.CLIENT : SpanKind.INTERNAL,
          attributes: isChat ? chat(convention, turn, conversationId) : tool(convention, turn, conversationId),
        })
        .end();
    }
  }
}

/** `count` distinct encoded ExportTraceServiceRequests of SPANS_PER_REQUEST spans each. */
export function buildAgentRequests(count: number): Buffer[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-agent', 'service.version': '2.4.1', 'deployment.environment.name': 'prod', 'host.name': 'agent-7f9c' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('agent-instrumentation', '0.9.0');
  const bodies: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    exporter.reset();
    emit(tracer, i % 3 === 2 ? 'openinference' : 'otel');
    const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    if (!bytes) throw new Error('the OTLP serializer returned nothing');
    bodies.push(Buffer.from(bytes));
  }
  return bodies;
}
