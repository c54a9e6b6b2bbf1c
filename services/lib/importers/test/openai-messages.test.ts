// openai-messages: the mapping table of README.md, on a small log with every case.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { loadDataset, RecordFormatError, convertRecord, STEP_MS, type ImportedSession } from '../src/index.js';
import { attr, everyAttributeText, json, ns, operation, parentId, testdata } from './support.js';

const start = new Date('2026-03-01T12:00:00Z');

async function fixture(): Promise<ImportedSession[]> {
  return loadDataset('openai-messages', testdata('openai-messages.json'), { startTime: start });
}

describe('openai-messages', () => {
  it('makes one session per record, keyed by dataset, task and trial (else the record index)', async () => {
    const sessions = await fixture();
    expect(sessions.map((s) => s.sessionKey)).toEqual(['openai-messages/7/2', 'openai-messages/1']);
    for (const session of sessions) {
      expect(new Set(session.spans.map((span) => attr(span, 'session.id')))).toEqual(new Set([session.sessionKey]));
    }
  });

  it('maps user turns to root agent spans, assistant messages to chat spans and tool calls to tool spans', async () => {
    const [session] = await fixture();
    const spans = session!.spans;
    const byOperation = (op: string) => spans.filter((span) => operation(span) === op);
    const turns = byOperation('invoke_agent');
    const chats = byOperation('chat');
    const tools = byOperation('execute_tool');
    expect([turns.length, chats.length, tools.length, spans.length]).toEqual([2, 4, 3, 9]);

    // One trace per turn; the turn span is its root and holds the user's words.
    expect(turns.map(parentId)).toEqual([undefined, undefined]);
    expect(new Set(turns.map((span) => span.spanContext().traceId)).size).toBe(2);
    expect(turns.map((span) => json(span, 'gen_ai.input.messages'))).toEqual([
      [{ role: 'user', parts: [{ type: 'text', content: 'Cancel reservation ABC123 please.' }] }],
      [{ role: 'user', parts: [{ type: 'text', content: 'Yes.' }] }],
    ]);
    expect(json(turns[1]!, 'gen_ai.output.messages')).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Reservation ABC123 is cancelled.' }], finish_reason: 'stop' },
    ]);
    for (const span of [...chats, ...tools]) {
      expect(turns.map((turn) => turn.spanContext().spanId)).toContain(parentId(span));
    }

    // Chat spans: the history before the call (system prompt apart), the model's answer.
    const second = chats[1]!;
    expect(second.kind).toBe(SpanKind.CLIENT);
    expect(second.name).toBe('chat');
    expect(attr(second, 'gen_ai.request.model')).toBeUndefined();
    expect(json(second, 'gen_ai.system_instructions')).toEqual([{ type: 'text', content: 'You are an airline agent. Never book without confirmation.' }]);
    expect(json(second, 'gen_ai.input.messages')).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Cancel reservation ABC123 please.' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_1', name: 'get_reservation_details', arguments: { reservation_id: 'ABC123' } },
          { type: 'tool_call', id: 'call_2', name: 'get_user_details', arguments: { user_id: 'ann_1' } },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: '{"reservation_id": "ABC123", "status": "active"}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_2', response: 'Error: user not found' }] },
    ]);
    expect(json(chats[0]!, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_1', name: 'get_reservation_details', arguments: { reservation_id: 'ABC123' } },
          { type: 'tool_call', id: 'call_2', name: 'get_user_details', arguments: { user_id: 'ann_1' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
    for (const chat of chats) expect(Object.keys(chat.attributes).filter((key) => key.includes('usage'))).toEqual([]);

    // Tool spans: closed by the tool message with the same id, the oldest open call first
    // (call_1 is used twice, as in tau-bench).
    const toolView = tools.map((span) => [
      span.name,
      attr(span, 'gen_ai.tool.call.id'),
      attr(span, 'gen_ai.tool.call.arguments'),
      attr(span, 'gen_ai.tool.call.result'),
      span.status.code,
      span.status.message,
    ]);
    expect(toolView).toEqual([
      ['execute_tool get_reservation_details', 'call_1', '{"reservation_id":"ABC123"}', '{"reservation_id": "ABC123", "status": "active"}', SpanStatusCode.UNSET, undefined],
      ['execute_tool get_user_details', 'call_2', '{"user_id":"ann_1"}', 'Error: user not found', SpanStatusCode.ERROR, 'Error: user not found'],
      ['execute_tool cancel_reservation', 'call_1', '{"reservation_id":"ABC123"}', '{"status": "cancelled"}', SpanStatusCode.UNSET, undefined],
    ]);
  });

  it('gives every span increasing, deterministic times from the start time and marks the session end on the last span', async () => {
    const [session] = await fixture();
    const spans = session!.spans;
    const starts = spans.map((span) => ns(span.startTime)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(new Set(starts).size).toBe(spans.length);
    expect(starts[0]).toBe(BigInt(start.getTime()) * 1_000_000n);
    for (const span of spans) expect(ns(span.endTime) >= ns(span.startTime)).toBe(true);
    const ends = spans.map((span) => ns(span.endTime));
    const last = spans.find((span) => ns(span.endTime) === ends.reduce((a, b) => (a > b ? a : b)));
    expect(spans.filter((span) => attr(span, 'tracebar.session.end') === true)).toEqual([last]);
    expect(session!.endUnixNano).toBe(ns(last!.endTime));

    const again = (await fixture())[0]!;
    const identity = (s: ImportedSession) => s.spans.map((span) => [span.spanContext().traceId, span.spanContext().spanId, ns(span.startTime), ns(span.endTime)]);
    expect(identity(again)).toEqual(identity(session!));
  });

  it('starts the next session after the previous one and ends unanswered tool calls with the session', async () => {
    const [first, second] = await fixture();
    expect(second!.startUnixNano).toBe(first!.endUnixNano + BigInt(STEP_MS.betweenSessions) * 1_000_000n);
    const tool = second!.spans.find((span) => operation(span) === 'execute_tool')!;
    expect(attr(tool, 'gen_ai.tool.call.result')).toBeUndefined();
    expect(attr(tool, 'gen_ai.tool.call.arguments')).toBe('not json');
    expect(ns(tool.endTime) <= second!.endUnixNano).toBe(true);
    const chat = second!.spans.find((span) => operation(span) === 'chat')!;
    expect(json(chat, 'gen_ai.output.messages')).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_9', name: 'get_balance', arguments: 'not json' }], finish_reason: 'tool_call' },
    ]);
    expect(json(chat, 'gen_ai.input.messages')).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'What is my balance?' }] }]);
  });

  it('keeps outcome fields out of the spans and returns them per session', async () => {
    const [first, second] = await fixture();
    expect(first!.outcome).toEqual({
      sessionKey: 'openai-messages/7/2',
      outcome: 'passed',
      evidence: [],
      fields: { task_id: 7, trial: 2, reward: 1, 'info.source': 'user', 'info.reward_info.r_actions': 1 },
    });
    expect(second!.outcome).toEqual({ sessionKey: 'openai-messages/1', outcome: 'failed', evidence: [], fields: { reward: 0 } });
    expect(everyAttributeText([...first!.spans, ...second!.spans])).not.toMatch(/reward|r_actions/);
  });

  it('records which span each message became', async () => {
    const [session] = await fixture();
    const ids = session!.messageSpans.map((ref) => ref?.spanId);
    expect(ids[0]).toBeUndefined(); // the system prompt
    const spanOf = (index: number) => session!.spans.find((span) => span.spanContext().spanId === ids[index]);
    expect([1, 2, 3, 4, 6].map((index) => spanOf(index)?.name)).toEqual([
      'invoke_agent agent',
      'chat',
      'execute_tool get_reservation_details',
      'execute_tool get_user_details',
      'invoke_agent agent',
    ]);
  });

  it('names the model and provider when given', async () => {
    const [session] = await loadDataset('openai-messages', testdata('openai-messages.json'), { model: 'gpt-4o', provider: 'openai', agentName: 'airline' });
    const chat = session!.spans.find((span) => operation(span) === 'chat')!;
    expect([chat.name, attr(chat, 'gen_ai.request.model'), attr(chat, 'gen_ai.provider.name')]).toEqual(['chat gpt-4o', 'gpt-4o', 'openai']);
    expect(session!.spans.find((span) => operation(span) === 'invoke_agent')!.name).toBe('invoke_agent airline');
  });

  it('refuses a record without a message list, naming where it came from', () => {
    const settings = { startUnixNano: 0n, dataset: 'd', serviceName: 'd', agentName: 'a' };
    expect(() => convertRecord('openai-messages', { task_id: 1 }, '0', 'x.json[0]', settings)).toThrow(RecordFormatError);
    expect(() => convertRecord('openai-messages', { traj: [{ content: 'no role' }] }, '0', 'x.json[0]', settings)).toThrow(/x\.json\[0\]: not a openai-messages record at traj\.0\.role/);
  });
});
