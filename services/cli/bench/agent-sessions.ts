// Realistic agent sessions as OTLP/HTTP protobuf request bodies, for the end-to-end benchmark.
// Built once with the OpenTelemetry JS SDK and its official serializer, then stamped with fresh
// session ids, trace ids and span ids per send by overwriting those bytes in place (same
// lengths, so the protobuf stays valid): the generator spends its CPU sending, not building.
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Session ids are this long: `bench-` + 14 characters a generator stamps (process tag + counter). */
const SESSION_ID_LENGTH = 20;
const placeholder = (index: number) => `bench-${String(index).padStart(SESSION_ID_LENGTH - 6, 'x')}`;

const system =
  'You are the travel agent of an online agency. Book only what the user confirmed, quote prices in euros with taxes, never change a booking without the booking reference, and ask before any paid change. ';

type Message = { role: string; parts: Record<string, unknown>[] };

/** One session: agent root (end marker), then per turn a chat span and per tool call a chat + tool span. */
function runSession(provider: BasicTracerProvider, sessionId: string, broken: boolean, startMs: number): void {
  const tracer = provider.getTracer('bench-agent', '1.0.0');
  const common: Attributes = { 'session.id': sessionId, 'gen_ai.agent.name': 'travel', 'deployment.environment': 'prod', 'app.user_tier': 'gold' };
  const history: Message[] = [{ role: 'system', parts: [{ type: 'text', content: system }] }];
  let clock = startMs;
  const at = () => (clock += 250);
  tracer.startActiveSpan('invoke_agent travel', { startTime: at(), attributes: { ...common, 'gen_ai.operation.name': 'invoke_agent' } }, (root) => {
    const turns: { user: string; tools: { name: string; args: Record<string, unknown>; result: string; error?: boolean }[]; answer: string }[] = [
      { user: 'I need a flight from Paris to Rome on May 3, economy, under 300 euros, with one checked bag.', tools: [{ name: 'search_flights', args: { from: 'CDG', to: 'FCO', date: '2026-05-03', cabin: 'economy' }, result: '[{"flight":"AF1204","price":182,"cabin":"economy","bags":1},{"flight":"AZ333","price":211,"cabin":"economy","bags":0}]' }], answer: 'AF1204 from Paris to Rome on May 3 costs 182 euros with one checked bag. Shall I book it?' },
      { user: 'Yes, please book AF1204.', tools: [{ name: 'book_flight', args: { flight: 'AF1204', bags: 1 }, result: broken ? 'Error: payment declined by the card issuer' : '{"confirmation":"QX7P2L","flight":"AF1204","price":182}', error: broken }], answer: broken ? 'Your flight AF1204 is booked. Have a great trip!' : 'Booked: AF1204 on May 3 for 182 euros, confirmation QX7P2L.' },
      { user: 'Can you also add a hotel near Termini for two nights?', tools: [{ name: 'search_hotels', args: { city: 'Rome', near: 'Termini', nights: 2 }, result: '[{"hotel":"Hotel Roma Termini","price_per_night":96}]' }, { name: 'book_hotel', args: { hotel: 'Hotel Roma Termini', nights: 2 }, result: '{"confirmation":"HT88A1","total":192}' }], answer: 'Booked Hotel Roma Termini for two nights, 192 euros in total, confirmation HT88A1.' },
    ];
    let call = 0;
    for (const turn of turns) {
      history.push({ role: 'user', parts: [{ type: 'text', content: turn.user }] });
      for (const tool of turn.tools) {
        const id = `call_${++call}`;
        const chat = tracer.startSpan('chat gpt-4o', {
          startTime: at(),
          attributes: {
            ...common,
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': 200 + 60 * history.length,
            'gen_ai.usage.output_tokens': 40,
            'gen_ai.input.messages': JSON.stringify(history),
            'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id, name: tool.name, arguments: tool.args }], finish_reason: 'tool_calls' }]),
          },
        });
        chat.end(at());
        history.push({ role: 'assistant', parts: [{ type: 'tool_call', id, name: tool.name, arguments: tool.args }] });
        const span = tracer.startSpan(`execute_tool ${tool.name}`, {
          startTime: at(),
          attributes: { ...common, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool.name, 'gen_ai.tool.call.id': id, 'gen_ai.tool.call.arguments': JSON.stringify(tool.args), 'gen_ai.tool.call.result': tool.result },
        });
        if (tool.error) span.setStatus({ code: SpanStatusCode.ERROR, message: tool.result });
        span.end(at());
        history.push({ role: 'tool', parts: [{ type: 'tool_call_response', id, response: tool.result }] });
      }
      const chat = tracer.startSpan('chat gpt-4o', {
        startTime: at(),
        attributes: {
          ...common,
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': 200 + 60 * history.length,
          'gen_ai.usage.output_tokens': Math.ceil(turn.answer.length / 4),
          'gen_ai.input.messages': JSON.stringify(history),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: turn.answer }], finish_reason: 'stop' }]),
        },
      });
      chat.end(at());
      history.push({ role: 'assistant', parts: [{ type: 'text', content: turn.answer }] });
    }
    root.setAttribute('tracebar.session.end', true);
    root.end(at());
  });
}

/** Where a template's per-session values sit in the body, to overwrite per send. */
interface Slots {
  /** Per session of the request: offsets of its session id string. */
  sessionIds: number[][];
  /** Offsets of each 16-byte trace id and 8-byte span id occurrence (parent ids included). */
  traceIds: number[];
  spanIds: number[];
}

export interface RequestTemplate {
  body: Buffer;
  sessions: number;
  spans: number;
  slots: Slots;
}

function occurrences(haystack: Buffer, needle: Buffer): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) found.push(at);
  return found;
}

/** A request of `sessions` whole sessions (one in `brokenEvery` with an ignored tool error). */
export function buildTemplate(sessions: number, brokenEvery: number): RequestTemplate {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'travel-agent', 'service.version': '2.3.0', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const now = Date.now();
  for (let i = 0; i < sessions; i++) runSession(provider, placeholder(i), brokenEvery > 0 && i % brokenEvery === 0, now - 60_000);
  const spans = exporter.getFinishedSpans();
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the OTLP serializer returned nothing');
  const body = Buffer.from(bytes);
  const sessionIds = Array.from({ length: sessions }, (_, i) => occurrences(body, Buffer.from(placeholder(i))));
  const traceIds = [...new Set(spans.map((s) => s.spanContext().traceId))].flatMap((hex) => occurrences(body, Buffer.from(hex, 'hex')));
  const spanIds = spans.flatMap((s) => occurrences(body, Buffer.from(s.spanContext().spanId, 'hex')));
  return { body, sessions, spans: spans.length, slots: { sessionIds, traceIds, spanIds } };
}

/**
 * A copy of the template with fresh ids: session i gets `bench-<tag><counter>` (14 characters
 * after `bench-`), trace and span ids get the counter mixed into their last bytes. Returns the
 * session ids it wrote.
 */
export function stamp(template: RequestTemplate, tag: string, counter: number): { body: Buffer; sessionIds: string[] } {
  const body = Buffer.from(template.body);
  const sessionIds: string[] = [];
  for (let i = 0; i < template.sessions; i++) {
    const id = `bench-${tag}${String(counter * template.sessions + i).padStart(SESSION_ID_LENGTH - 6 - tag.length, '0')}`;
    sessionIds.push(id);
    for (const at of template.slots.sessionIds[i] ?? []) body.write(id, at, 'latin1');
  }
  // Same request counter in every id of the request: unique across requests, relations kept.
  for (const at of template.slots.traceIds) body.writeUInt32BE(counter >>> 0, at + 12);
  for (const at of template.slots.spanIds) body.writeUInt16BE(counter & 0xffff, at + 6);
  return { body, sessionIds };
}
