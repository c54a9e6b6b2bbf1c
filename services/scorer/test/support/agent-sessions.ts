// Agent sessions as ingest writes their spans: an agent span, LLM calls with their messages and
// tool calls with their results, ending with the explicit end marker.
import type { OutgoingMessage } from '@tracebar/bus';
import { encodeSpanRecord, recordHeaders, sessionRecordKey, StatusCode, toLong, topicCatalog, type IGenAi, type ISpanRecord } from '@tracebar/proto';

const T0_MS = Date.UTC(2026, 10, 1);
const spanHeaders = recordHeaders(topicCatalog.spans);

export type Step =
  | { kind: 'user'; text: string }
  | { kind: 'llm'; output: string; toolCalls?: { id: string; name: string; arguments: string }[] }
  | { kind: 'tool'; id: string; name: string; arguments: string; result: string; error?: boolean };

export interface AgentSession {
  session: string;
  serviceName?: string;
  steps: Step[];
  tenant?: string;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** The session's spans, in the order an agent would export them; the last carries the end marker. */
export function sessionSpans(spec: AgentSession): ISpanRecord[] {
  const tenant = spec.tenant ?? 'default';
  const traceId = hex([...spec.session].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7), 32);
  const rootId = hex(1, 16);
  const serviceName = spec.serviceName ?? 'support-agent';
  const messages: { role: string; content: string }[] = [{ role: 'system', content: 'You are a travel agent. Never book without the user confirming the price.' }];
  const spans: ISpanRecord[] = [];
  let clock = 0;
  const span = (id: number, name: string, genAi: IGenAi | undefined, status = StatusCode.STATUS_CODE_UNSPECIFIED, parent = rootId): ISpanRecord => {
    const start = clock;
    clock += 200;
    return {
      tenant,
      sessionKey: spec.session,
      sessionKeySource: 1,
      traceId,
      spanId: hex(id, 16),
      parentSpanId: parent,
      name,
      kind: 1,
      startTimeUnixNano: toLong(BigInt(T0_MS + start) * 1_000_000n),
      endTimeUnixNano: toLong(BigInt(T0_MS + start + 150) * 1_000_000n),
      statusCode: status,
      serviceName,
      serviceVersion: '1.4.0',
      attributes: { stringValues: { 'session.id': spec.session } },
      ...(genAi ? { genAi } : {}),
      receivedTimeUnixNano: toLong(BigInt(T0_MS + start + 150) * 1_000_000n),
    };
  };
  let id = 2;
  for (const step of spec.steps) {
    if (step.kind === 'user') {
      messages.push({ role: 'user', content: step.text });
    } else if (step.kind === 'llm') {
      spans.push(
        span(id++, 'chat gpt-4o', {
          operationName: 'chat',
          requestModel: 'gpt-4o',
          inputTokens: toLong(messages.reduce((n, m) => n + Math.ceil(m.content.length / 4), 0)),
          outputTokens: toLong(Math.ceil(step.output.length / 4)),
          inputMessages: messages.map((m) => ({ ...m })),
          outputMessages: [{ role: 'assistant', content: step.output, toolCalls: step.toolCalls ?? [] }],
        }),
      );
      messages.push({ role: 'assistant', content: step.output });
    } else {
      spans.push(
        span(
          id++,
          `execute_tool ${step.name}`,
          { operationName: 'execute_tool', toolName: step.name, toolCallId: step.id, toolCallArguments: step.arguments, toolCallResult: step.result },
          step.error ? StatusCode.STATUS_CODE_ERROR : StatusCode.STATUS_CODE_UNSPECIFIED,
        ),
      );
      messages.push({ role: 'tool', content: step.result });
    }
  }
  const end = clock;
  const root: ISpanRecord = {
    ...span(1, 'invoke_agent travel', { operationName: 'invoke_agent', agentName: 'travel' }, StatusCode.STATUS_CODE_UNSPECIFIED, ''),
    startTimeUnixNano: toLong(BigInt(T0_MS) * 1_000_000n),
    endTimeUnixNano: toLong(BigInt(T0_MS + end) * 1_000_000n),
    sessionEnd: true,
  };
  return [...spans, root];
}

export function sessionMessages(spec: AgentSession): OutgoingMessage[] {
  return sessionSpans(spec).map((record) => ({
    key: sessionRecordKey(record.tenant ?? 'default', spec.session),
    value: Buffer.from(encodeSpanRecord(record)),
    headers: spanHeaders,
  }));
}

export const cleanBooking: Step[] = [
  { kind: 'user', text: 'Please book me a flight from Paris to Rome on May 3, economy, under 300 euros.' },
  { kind: 'llm', output: '', toolCalls: [{ id: 'c1', name: 'search_flights', arguments: '{"from":"CDG","to":"FCO","date":"2026-05-03"}' }] },
  { kind: 'tool', id: 'c1', name: 'search_flights', arguments: '{"from":"CDG","to":"FCO","date":"2026-05-03"}', result: '[{"flight":"AF1204","price":182,"cabin":"economy"}]' },
  { kind: 'llm', output: 'I found AF1204 from Paris to Rome on May 3 in economy for 182 euros. Shall I book it?' },
  { kind: 'user', text: 'Yes, book it.' },
  { kind: 'llm', output: '', toolCalls: [{ id: 'c2', name: 'book_flight', arguments: '{"flight":"AF1204"}' }] },
  { kind: 'tool', id: 'c2', name: 'book_flight', arguments: '{"flight":"AF1204"}', result: '{"confirmation":"QX7P2L","flight":"AF1204","price":182}' },
  { kind: 'llm', output: 'Your flight AF1204 from Paris to Rome on May 3 is booked for 182 euros. Confirmation: QX7P2L.' },
];

export const ignoredError: Step[] = [
  { kind: 'user', text: 'Please book me a flight from Paris to Rome on May 3, economy, under 300 euros.' },
  { kind: 'llm', output: '', toolCalls: [{ id: 'c1', name: 'search_flights', arguments: '{"from":"CDG","to":"FCO","date":"2026-05-03"}' }] },
  { kind: 'tool', id: 'c1', name: 'search_flights', arguments: '{"from":"CDG","to":"FCO","date":"2026-05-03"}', result: '[{"flight":"AF1204","price":182,"cabin":"economy"}]' },
  { kind: 'llm', output: '', toolCalls: [{ id: 'c2', name: 'book_flight', arguments: '{"flight":"AF1204"}' }] },
  { kind: 'tool', id: 'c2', name: 'book_flight', arguments: '{"flight":"AF1204"}', result: 'Error: payment declined by the card issuer', error: true },
  { kind: 'llm', output: 'Your flight AF1204 from Paris to Rome on May 3 is booked. Have a great trip!' },
];

export const silentFailure: Step[] = [
  { kind: 'user', text: 'Find me a hotel in Lisbon for June 10 to June 12.' },
  { kind: 'llm', output: '', toolCalls: [{ id: 'c1', name: 'search_hotels', arguments: '{"city":"Lisbon","checkin":"2026-06-10","checkout":"2026-06-12"}' }] },
  { kind: 'tool', id: 'c1', name: 'search_hotels', arguments: '{"city":"Lisbon","checkin":"2026-06-10","checkout":"2026-06-12"}', result: '[]' },
  { kind: 'llm', output: 'I booked the Hotel Avenida in Lisbon for June 10 to June 12. Enjoy your stay!' },
];
