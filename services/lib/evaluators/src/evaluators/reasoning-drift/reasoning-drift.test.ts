import { describe, expect, it } from 'vitest';
import { SessionBuilder, cleanSession, testDeps } from '../../../test/fixtures.js';
import { longestCycle, reasoningDrift } from './reasoning-drift.js';

const defaults = reasoningDrift.params.parse(undefined);

describe('reasoning_drift', () => {
  it('passes a clean session (pleasantries at the end are not the answer)', () => {
    const result = reasoningDrift.evaluate(cleanSession().view(), defaults, testDeps);
    expect(result).toMatchObject({ outcome: 'passed', score: 1, evidence: [] });
    expect(result.signals.request_overlap).toBeGreaterThan(0.3);
  });

  it('off_topic: the final answer addresses something else', () => {
    const s = new SessionBuilder();
    s.user('How do I reset the password of my router model AX3000?');
    s.assistant({ toolCalls: [{ name: 'search_docs', args: { q: 'router password reset' }, result: '{"docs": ["..."]}' }] });
    const answer = s.assistant({ text: 'Our premium subscription includes unlimited cloud storage, family sharing, priority support and discounts on accessories.' });
    const result = reasoningDrift.evaluate(s.view(), defaults, testDeps);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'reasoning_drift', subtype: 'off_topic' });
    expect(result.evidence[0]!.spanId).toBe(answer);
    expect(result.signals.drift).toBe(1);
  });

  it('loop: the same steps again and again', () => {
    const s = new SessionBuilder();
    s.user('Find the cheapest supplier for steel bolts.');
    for (let i = 0; i < 3; i++) {
      s.assistant({ toolCalls: [{ name: 'search', args: { q: 'steel bolts supplier' }, result: '{"hits": 3}' }] });
      s.assistant({ toolCalls: [{ name: 'open_page', args: { url: 'https://example.com/bolts' }, result: '<html>bolts</html>' }] });
    }
    s.assistant({ text: 'The cheapest steel bolts supplier is Example Bolts.' });
    const result = reasoningDrift.evaluate(s.view(), defaults, testDeps);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'reasoning_drift', subtype: 'loop' });
    expect(result.evidence[0]!.note).toMatch(/the same 2 steps repeated 3 times/);
  });

  it('longestCycle finds periods 1-4', () => {
    expect(longestCycle([1, 2, 3, 1, 2, 3, 1, 2, 3])).toEqual([3, 3, 8]);
    expect(longestCycle([1, 2, 3, 4])[0]).toBe(1);
    expect(longestCycle([5, 5, 5, 5])).toEqual([4, 1, 3]);
  });
});
