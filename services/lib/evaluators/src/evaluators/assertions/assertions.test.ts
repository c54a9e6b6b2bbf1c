import { describe, expect, it } from 'vitest';
import { SessionBuilder, cleanSession, testDeps } from '../../../test/fixtures.js';
import { assertions } from './assertions.js';

const view = cleanSession().view();
const run = (checks: unknown[]) => assertions.evaluate(view, assertions.params.parse({ checks }), testDeps);

describe('assertions', () => {
  it('passes with score 1 when given no checks', () => {
    expect(assertions.evaluate(view, assertions.params.parse(undefined), testDeps)).toMatchObject({ outcome: 'passed', score: 1, detail: 'no checks' });
  });

  it('holds on a session that meets every check', () => {
    const result = run([
      { kind: 'tool_required', tool: 'modify_order_address' },
      { kind: 'tool_forbidden', tool: 'delete_account' },
      { kind: 'tool_order', before: 'get_order_details', after: 'modify_order_address' },
      { kind: 'final_output_matches', regex: 'welcome' },
      { kind: 'max_tool_calls', max: 2 },
    ]);
    expect(result).toMatchObject({ outcome: 'passed', score: 1, signals: { checks: 5, failed_checks: 0 } });
  });

  it('fails each kind of check it breaks, with evidence and the check pattern', () => {
    const result = run([
      { kind: 'tool_required', tool: 'send_receipt' },
      { kind: 'tool_forbidden', tool: 'modify_order_address', pattern: { pattern: 'goal_misalignment', subtype: 'subgoal_over_whole' } },
      { kind: 'tool_order', before: 'verify_identity', after: 'modify_order_address' },
      { kind: 'final_output_matches', regex: 'welcome', negate: true },
      { kind: 'final_output_json', path: 'status' },
      { kind: 'max_tool_calls', max: 1 },
    ]);
    expect(result.outcome).toBe('failed');
    expect(result.signals.failed_checks).toBe(6);
    expect(result.score).toBe(0);
    expect(result.pattern).toEqual({ pattern: 'goal_misalignment', subtype: 'intent_missed' });
    expect(result.evidence.map((e) => e.note)).toEqual([
      'required tool send_receipt never succeeded',
      'forbidden tool modify_order_address called',
      'modify_order_address called before any verify_identity',
      expect.stringMatching(/^final output matches \/welcome\//),
      'final output is not JSON',
      '2 tool calls, at most 1 allowed',
    ]);
  });

  it('checks a JSON path of the final output', () => {
    const s = new SessionBuilder();
    s.user('Classify this ticket.');
    s.assistant({ text: '{"label": {"name": "billing"}, "confidence": 0.9}' });
    const json = s.view();
    const check = (equals: unknown) => assertions.evaluate(json, assertions.params.parse({ checks: [{ kind: 'final_output_json', path: 'label.name', equals }] }), testDeps);
    expect(check('billing').outcome).toBe('passed');
    expect(check('shipping').evidence[0]!.note).toBe('final output label.name is "billing", expected "shipping"');
  });

  it('rejects unknown check kinds and keys', () => {
    expect(() => assertions.params.parse({ checks: [{ kind: 'tool_requird', tool: 'x' }] })).toThrow();
    expect(() => assertions.params.parse({ checks: [], extra: 1 })).toThrow();
  });
});
