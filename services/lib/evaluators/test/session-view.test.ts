import { describe, expect, it } from 'vitest';
import { cleanSession } from './fixtures.js';

describe('buildSessionView', () => {
  it('rebuilds the conversation once from LLM calls that resend the history', () => {
    const view = cleanSession().view();
    expect(view.userMessages.map((m) => m.text)).toEqual([
      'Hi, I would like to change the shipping address of my order #W1234 to 12 Oak Street, Springfield.',
      'Yes, please go ahead.',
      'Great, thanks!',
    ]);
    expect(view.assistantMessages).toHaveLength(3);
    expect(view.systemPrompt).toMatch(/support agent/);
    expect(view.toolCalls.map((c) => [c.name, c.error, c.result !== undefined])).toEqual([
      ['get_order_details', false, true],
      ['modify_order_address', false, true],
    ]);
    // The result came with the next LLM call: the result span is that call, not the requesting one.
    const [first] = view.toolCalls;
    expect(first!.resultSpanId).not.toBe('');
    expect(first!.resultSpanId).not.toBe(first!.spanId);
    expect(view.finalOutput).toBe("You're welcome! Have a nice day.");
    expect(view.counts).toMatchObject({ spans: 6, llmCalls: 5, toolCalls: 2, toolErrors: 0, userMessages: 3 });
    expect(view.llmCalls.every((call) => call.promptTokensEstimated && call.promptTokens > 0)).toBe(true);
    expect(view.traceOf(first!.spanId)).toBe('ab'.repeat(16));
    // Timeline order: user, tool, assistant, user, tool, assistant, user, assistant.
    expect(view.timeline.map((e) => (e.kind === 'tool' ? 'tool' : e.message.role))).toEqual(['user', 'tool', 'assistant', 'user', 'tool', 'assistant', 'user', 'assistant']);
  });

  it('takes tool spans as the calls, with their own results and status', () => {
    const view = cleanSession({ toolSpans: true }).view();
    expect(view.toolCalls).toHaveLength(2);
    expect(view.toolCalls.every((c) => c.resultSpanId === '' && c.spanId !== '')).toBe(true);
    expect(view.spanById.get(view.toolCalls[0]!.spanId)?.role).toBe('tool');
  });
});
