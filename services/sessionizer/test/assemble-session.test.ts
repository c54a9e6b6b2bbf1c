// Assembly of a closed session: order, duplicates, turns, steps, tool results, summary.
import { CloseReason, decodeSpanRecord, StepKind, toBigInt, toLong, type ITurn } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { assembleSession, type ClosingSession } from '../src/assemble-session.js';
import { llm, spanBytes, tool, type SpanSpec } from './span-fixtures.js';

function closing(specs: SpanSpec[], extra: Partial<ClosingSession> = {}): ClosingSession {
  return { key: 'default/s', spans: specs.map(spanBytes), revision: 1, closeReason: CloseReason.CLOSE_REASON_IDLE, truncated: false, evicted: false, truncatedSpans: 0, ...extra };
}

const system = { role: 'system', content: 'You are a booking agent.' };
const ask1 = { role: 'user', content: 'Find flights to Oslo' };
const ask2 = { role: 'user', content: 'Yes, book it' };

/** A chat-completions agent (OTel GenAI conventions): two user turns, one tool span, one tool call without a span. */
const chatSession: SpanSpec[] = [
  { session: 's', spanId: 's1', start: 0, end: 4, genAi: llm('', '', { inputMessages: [system, ask1], outputMessages: [{ role: 'assistant', toolCalls: [{ id: 'c1', name: 'search_flights', arguments: '{"to":"OSL"}' }] }] }) },
  { session: 's', spanId: 's6', start: 5, end: 6, name: 'internal work' },
  { session: 's', spanId: 's2', start: 10, end: 15, genAi: tool('search_flights', 'c1', '[{"flight":"SK123"}]') },
  {
    session: 's',
    spanId: 's3',
    start: 20,
    end: 25,
    genAi: llm('', '', { inputMessages: [system, ask1, { role: 'tool', toolCallId: 'c1', content: '[{"flight":"SK123"}]' }], outputMessages: [{ role: 'assistant', content: 'Found SK123. Book it?' }] }),
  },
  {
    session: 's',
    spanId: 's4',
    start: 30,
    end: 35,
    genAi: llm('', '', { inputMessages: [system, ask1, { role: 'assistant', content: 'Found SK123. Book it?' }, ask2], outputMessages: [{ role: 'assistant', toolCalls: [{ id: 'c2', name: 'book_flight', arguments: '{}' }] }] }),
  },
  {
    session: 's',
    spanId: 's5',
    start: 40,
    end: 48,
    genAi: llm('', '', { inputMessages: [system, ask1, ask2, { role: 'tool', toolCallId: 'c2', content: 'Error: payment declined' }], outputMessages: [{ role: 'assistant', content: 'Sorry, the payment failed.' }] }),
  },
];

function stepSummary(turn: ITurn | undefined) {
  return (turn?.steps ?? []).map((step) => [step.kind, step.spanId?.replace(/^0+/, ''), step.name, step.toolCallId ?? '', (step.resultSpanId ?? '').replace(/^0+/, ''), step.error ?? false]);
}

describe('assembleSession', () => {
  it('orders spans by start time then span id, whatever the arrival order, and drops repeated spans', () => {
    const shuffled = [chatSession[3], chatSession[0], chatSession[5], chatSession[1], chatSession[3], chatSession[4], chatSession[2]] as SpanSpec[];
    const { record, spans, duplicates } = assembleSession(closing(shuffled), 4_096);
    expect(duplicates).toBe(1);
    expect(spans.map((bytes) => decodeSpanRecord(bytes).spanId.replace(/^0+/, ''))).toEqual(['s1', 's6', 's2', 's3', 's4', 's5']);
    expect(record.summary?.spanCount).toBe(6);

    const tie = assembleSession(closing([{ session: 's', spanId: 'b', start: 7 }, { session: 's', spanId: 'a', start: 7 }, { session: 's', spanId: 'c', start: 6 }]), 100);
    expect(tie.spans.map((bytes) => decodeSpanRecord(bytes).spanId.replace(/^0+/, ''))).toEqual(['c', 'a', 'b']);
  });

  it('finds user turns from LLM inputs, and matches tool calls with their results', () => {
    const { record } = assembleSession(closing(chatSession), 4_096);
    const turns = record.turns ?? [];
    expect(turns.map((turn) => [turn.userSpanId?.replace(/^0+/, ''), turn.userInput, turn.output])).toEqual([
      ['s1', 'Find flights to Oslo', 'Found SK123. Book it?'],
      ['s4', 'Yes, book it', 'Sorry, the payment failed.'],
    ]);
    const { LLM_CALL: llmCall, TOOL_CALL: toolCall } = { LLM_CALL: StepKind.STEP_KIND_LLM_CALL, TOOL_CALL: StepKind.STEP_KIND_TOOL_CALL };
    expect(stepSummary(turns[0])).toEqual([
      [llmCall, 's1', 'gpt-4o-mini', 'c1', '', false],
      [toolCall, 's2', 'search_flights', 'c1', '', false],
      [llmCall, 's3', 'gpt-4o-mini', '', '', false],
    ]);
    // book_flight has no span of its own: the step is the request, the result is s5's tool message.
    expect(stepSummary(turns[1])).toEqual([
      [llmCall, 's4', 'gpt-4o-mini', 'c2', '', false],
      [toolCall, 's4', 'book_flight', 'c2', 's5', true],
      [llmCall, 's5', 'gpt-4o-mini', '', '', false],
    ]);
    expect(toBigInt(turns[1]?.startTimeUnixNano)).toBeLessThan(toBigInt(turns[1]?.endTimeUnixNano));

    const summary = record.summary;
    expect(summary).toMatchObject({
      spanCount: 6,
      turnCount: 2,
      llmCallCount: 4,
      toolCallCount: 2,
      toolErrorCount: 1,
      firstUserInput: 'Find flights to Oslo',
      finalOutput: 'Sorry, the payment failed.',
      serviceName: 'agent',
      serviceVersion: '1.0.0',
      models: ['gpt-4o-mini'],
      toolNames: ['search_flights', 'book_flight'],
      traceIds: ['a'.repeat(32)],
    });
    expect(toBigInt(summary?.inputTokens)).toBe(400n);
    expect(toBigInt(summary?.outputTokens)).toBe(80n);
    expect(toBigInt(summary?.durationNano)).toBe(48_000_000n);
    expect(toBigInt(summary?.spanBytes)).toBe(BigInt(chatSession.map(spanBytes).reduce((sum, b) => sum + b.length, 0)));
    expect(record).toMatchObject({ tenant: 'default', sessionKey: 's', revision: 1, closeReason: CloseReason.CLOSE_REASON_IDLE });
  });

  it('takes turns from root agent spans (OpenInference), with their inputs, outputs and errors', () => {
    const oi = (kind: string, extra: object) => ({ openinferenceSpanKind: kind, ...extra });
    const specs: SpanSpec[] = [
      { session: 's', spanId: 'r1', traceId: '1'.repeat(32), start: 0, end: 100, genAi: oi('AGENT', { agentName: 'travel', inputValue: 'Plan a trip to Rome', outputValue: 'Here is your plan.' }) },
      { session: 's', spanId: 'l1', traceId: '1'.repeat(32), parentSpanId: 'r1', start: 1, end: 20, genAi: oi('LLM', { requestModel: 'claude', inputTokens: toLong(50), outputTokens: toLong(5) }) },
      { session: 's', spanId: 't1', traceId: '1'.repeat(32), parentSpanId: 'r1', start: 21, end: 30, statusCode: 2, genAi: oi('TOOL', { toolName: 'weather', toolCallResult: 'timeout' }) },
      { session: 's', spanId: 'g1', traceId: '1'.repeat(32), parentSpanId: 'r1', start: 31, end: 32, genAi: oi('RETRIEVER', {}) },
      { session: 's', spanId: 'r2', traceId: '2'.repeat(32), start: 200, end: 300, genAi: oi('AGENT', { inputValue: 'Make it cheaper', outputValue: 'Cheaper plan.' }) },
      { session: 's', spanId: 't2', traceId: '2'.repeat(32), parentSpanId: 'r2', start: 210, end: 220, genAi: oi('TOOL', { toolName: 'hotels', toolCallResult: '{"error": "quota"}' }) },
    ];
    const { record } = assembleSession(closing(specs), 4_096);
    expect((record.turns ?? []).map((turn) => [turn.userSpanId?.replace(/^0+/, ''), turn.userInput, turn.output, turn.steps?.length])).toEqual([
      ['r1', 'Plan a trip to Rome', 'Here is your plan.', 3],
      ['r2', 'Make it cheaper', 'Cheaper plan.', 1],
    ]);
    expect(stepSummary(record.turns?.[0]).map((step) => step[0])).toEqual([StepKind.STEP_KIND_LLM_CALL, StepKind.STEP_KIND_TOOL_CALL, StepKind.STEP_KIND_OTHER]);
    expect(record.summary).toMatchObject({
      turnCount: 2,
      llmCallCount: 1,
      toolCallCount: 2,
      toolErrorCount: 2,
      errorSpanCount: 1,
      agentName: 'travel',
      firstUserInput: 'Plan a trip to Rome',
      finalOutput: 'Cheaper plan.',
      traceIds: ['1'.repeat(32), '2'.repeat(32)],
      models: ['claude'],
      toolNames: ['weather', 'hotels'],
    });
  });

  it('puts work before any user input in a turn without a user span, and cuts long texts', () => {
    const long = 'é'.repeat(50);
    const { record } = assembleSession(
      closing([
        { session: 's', spanId: 'a', start: 0, genAi: tool('warmup', 'w1', 'ok') },
        { session: 's', spanId: 'b', start: 5, genAi: llm(long, long) },
      ]),
      16,
    );
    expect(record.turns?.map((turn) => [turn.userSpanId?.replace(/^0+/, ''), turn.userInput, turn.output])).toEqual([
      ['', '', ''],
      ['b', 'é'.repeat(16), 'é'.repeat(16)],
    ]);
    expect(record.summary?.turnCount).toBe(1);
    expect(record.summary?.firstUserInput).toBe('é'.repeat(16));
  });

  it('carries the close facts and the count of spans left out', () => {
    const { record } = assembleSession(closing(chatSession.slice(0, 2), { revision: 3, closeReason: CloseReason.CLOSE_REASON_MAX_SPANS, truncated: true, truncatedSpans: 7 }), 100);
    expect(record).toMatchObject({ revision: 3, closeReason: CloseReason.CLOSE_REASON_MAX_SPANS, truncated: true, evicted: false });
    expect(record.summary?.truncatedSpanCount).toBe(7);
  });
});
