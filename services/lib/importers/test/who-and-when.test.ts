// who-and-when: a folder of group-chat files, each one session.
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/index.js';
import { attr, everyAttributeText, json, operation, parentId, testdata } from './support.js';

describe('who-and-when', () => {
  it('reads every *.json file of a folder in natural order, one session each', async () => {
    const sessions = await loadDataset('who-and-when', testdata('who-and-when'));
    expect(sessions.map((s) => s.sessionKey)).toEqual(['who-and-when/2', 'who-and-when/10']);
  });

  it('makes a root agent span holding the question and a span per history entry, whose agent is its name', async () => {
    const [session] = await loadDataset('who-and-when', testdata('who-and-when'));
    const spans = session!.spans;
    const root = spans.find((span) => operation(span) === 'invoke_agent')!;
    expect(parentId(root)).toBeUndefined();
    expect(root.name).toBe('invoke_agent group_chat');
    expect(json(root, 'gen_ai.input.messages')).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'How many even numbers are in [1, 2, 3, 4]?' }] }]);
    // The answer is the last message that is more than the stop word.
    expect(json(root, 'gen_ai.output.messages')).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'Verified: 2.' }], finish_reason: 'stop' }]);
    expect(attr(root, 'tracebar.session.end')).toBe(true);

    const steps = session!.messageSpans.map((ref) => spans.find((span) => span.spanContext().spanId === ref?.spanId)!);
    expect(steps.map((span) => [operation(span), attr(span, 'gen_ai.agent.name'), parentId(span)])).toEqual([
      ['chat', 'Math_Expert', root.spanContext().spanId],
      ['execute_tool', 'Computer_terminal', root.spanContext().spanId],
      ['chat', 'Math_Expert', root.spanContext().spanId],
      ['execute_tool', 'Computer_terminal', root.spanContext().spanId],
      ['chat', 'Verification_Expert', root.spanContext().spanId],
      ['chat', 'Verification_Expert', root.spanContext().spanId],
    ]);
    // Terminal output is the tool's result; a non-zero exit code is its failure.
    expect(steps.filter((span) => operation(span) === 'execute_tool').map((span) => [attr(span, 'gen_ai.tool.call.result'), span.status.code])).toEqual([
      ['exitcode: 1 (execution failed)\nCode output: SyntaxError', SpanStatusCode.ERROR],
      ['exitcode: 0 (execution succeeded)\nCode output: 2\n', SpanStatusCode.UNSET],
    ]);
    expect(json(steps[2]!, 'gen_ai.system_instructions')).toEqual([{ type: 'text', content: 'You are Math_Expert.' }]);
    expect(json(steps[2]!, 'gen_ai.input.messages')).toEqual([
      { role: 'assistant', name: 'Math_Expert', parts: [{ type: 'text', content: 'Let me count with code:\n```python\nprint(len([n for n in [1,2,3,4] if n % 2]))\n```' }] },
      { role: 'user', name: 'Computer_terminal', parts: [{ type: 'text', content: 'exitcode: 1 (execution failed)\nCode output: SyntaxError' }] },
    ]);
    expect(json(steps[2]!, 'gen_ai.output.messages')).toEqual([
      { role: 'assistant', name: 'Math_Expert', parts: [{ type: 'text', content: 'The answer is 2... rerunning:\n```python\nprint(2)\n```' }], finish_reason: 'stop' },
    ]);
  });

  it('returns the mistake labels as outcome fields, never as span attributes', async () => {
    const [first, second] = await loadDataset('who-and-when', testdata('who-and-when'));
    expect(first!.outcome).toEqual({
      sessionKey: 'who-and-when/2',
      outcome: 'failed',
      evidence: [{ ...first!.messageSpans[2]!, note: 'mistake by Math_Expert: Counted odd numbers instead of even ones.' }],
      fields: {
        ground_truth: '2',
        is_correct: false,
        level: '1',
        mistake_agent: 'Math_Expert',
        mistake_step: '2',
        mistake_reason: 'Counted odd numbers instead of even ones.',
      },
    });
    // No is_correct: a labelled mistake still means failed.
    expect(second!.outcome.outcome).toBe('failed');
    const text = everyAttributeText([...first!.spans, ...second!.spans]);
    for (const hidden of ['mistake', 'Counted odd numbers', 'Answered Lyon', 'ground_truth', 'is_correct']) expect(text).not.toContain(hidden);
  });
});
