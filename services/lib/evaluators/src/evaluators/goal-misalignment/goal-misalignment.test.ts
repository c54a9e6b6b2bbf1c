import { describe, expect, it } from 'vitest';
import { SessionBuilder, cleanSession, testDeps } from '../../../test/fixtures.js';
import { goalMisalignment } from './goal-misalignment.js';

const defaults = goalMisalignment.params.parse(undefined);
const run = (s: SessionBuilder) => goalMisalignment.evaluate(s.view(), defaults, testDeps);

describe('goal_misalignment', () => {
  it('passes a clean session and counts its state-changing action', () => {
    const result = run(cleanSession());
    expect(result).toMatchObject({ outcome: 'passed', score: 1, evidence: [] });
    expect(result.signals.consequential_actions).toBe(1);
    expect(result.signals.ungrounded_values).toBe(0);
  });

  it('unsupported figures: what the system prompt, the user or a tool stated is supported, in any spelling', () => {
    const s = new SessionBuilder();
    s.system('Checked bags cost $50 each (at most 3). Refunds of 1,250.00 or more need a manager.\nFares from\n$ 99.');
    s.user('How much for 2 bags on booking B-77?');
    s.assistant({ toolCalls: [{ name: 'get_booking', args: { id: 'B-77' }, result: '{"id": "B-77", "total": 305}' }] });
    s.assistant({ text: 'Two bags are $50 each, so $100 on top of your total of 305; above 1250 a manager signs off; fares from $ 99; and 4812 is your code.' });
    const result = run(s);
    expect(result.signals.unsupported_figures).toBe(3);
    expect(result.evidence.some((e) => /states \$100, 1250, 4812/.test(e.note))).toBe(true);
  });

  it('intent_missed: success claimed with no action behind it', () => {
    const s = new SessionBuilder();
    s.user('Please cancel my subscription S-1001.');
    s.assistant({ toolCalls: [{ name: 'get_subscription', args: { id: 'S-1001' }, result: '{"id": "S-1001", "status": "active"}' }] });
    const claim = s.assistant({ text: 'Your subscription S-1001 has been cancelled.' });
    const result = run(s);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'goal_misalignment', subtype: 'intent_missed' });
    expect(result.evidence[0]!.spanId).toBe(claim);
  });

  it('intent_missed: an action of a kind the user never asked for, on values nobody gave', () => {
    const s = new SessionBuilder();
    s.user('I want to change the delivery date of order #A100 to next Monday.');
    s.assistant({ toolCalls: [{ name: 'get_order', args: { id: '#A100' }, result: '{"id": "#A100", "delivery": "2025-03-01"}' }] });
    const cancel = s.assistant({ toolCalls: [{ name: 'cancel_order', args: { id: '#A100', refund_to: 'card_7781' }, result: '{"ok": true}' }] });
    s.assistant({ text: 'Done.' });
    const result = run(s);
    expect(result.pattern?.subtype).toBe('intent_missed');
    expect(result.evidence[0]!.spanId).toBe(cancel);
    expect(result.signals).toMatchObject({ unrequested_actions: 1, ungrounded_values: 1 });
  });

  it('subgoal_over_whole: one of two requested things done', () => {
    const s = new SessionBuilder();
    s.user('Please update my email to a@b.example and also cancel order #B200.');
    s.assistant({ toolCalls: [{ name: 'update_profile', args: { email: 'a@b.example' }, result: '{"ok": true}' }] });
    s.assistant({ text: 'Your email is updated to a@b.example. Anything else?' });
    const result = run(s);
    expect(result.pattern).toEqual({ pattern: 'goal_misalignment', subtype: 'subgoal_over_whole' });
    expect(result.signals.unperformed_requests).toBe(1);
  });

  it('user_dissatisfied: a correction, a repeat and a request for a human', () => {
    const s = new SessionBuilder();
    s.user('Send the quarterly sales report for the northern region to my manager.');
    s.assistant({ text: 'Here is the quarterly report for the southern region.' });
    const correction = s.user("That's not what I asked, I need the northern region.");
    void correction;
    s.assistant({ text: 'Here is the report.' });
    s.user('Send the quarterly sales report for the northern region to my manager please.');
    s.assistant({ text: 'Which manager?' });
    s.user('Let me talk to a real person.');
    s.assistant({ text: 'I will connect you.' });
    const result = run(s);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'goal_misalignment', subtype: 'user_dissatisfied' });
    expect(result.signals).toMatchObject({ user_corrections: 1, user_repeats: 1, human_requests: 1 });
    expect(result.evidence).toHaveLength(3);
  });
});
