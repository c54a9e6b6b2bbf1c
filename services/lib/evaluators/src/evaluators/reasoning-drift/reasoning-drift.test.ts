import { describe, expect, it } from 'vitest';
import { SessionBuilder, cleanSession, evaluateNow } from '../../../test/fixtures.js';
import type { TimelineEntry, ToolCallView, MessageView } from '../../view/session-view.js';
import { collapseSpaces } from '../../text.js';
import { longestCycle, reasoningDrift, stepCycles } from './reasoning-drift.js';

const defaults = reasoningDrift.params.parse(undefined);

describe('reasoning_drift', () => {
  it('passes a clean session (pleasantries at the end are not the answer)', () => {
    const result = evaluateNow(reasoningDrift, cleanSession().view(), defaults);
    expect(result).toMatchObject({ outcome: 'passed', score: 1, evidence: [] });
    expect(result.signals.request_overlap).toBeGreaterThan(0.3);
  });

  it('off_topic: the final answer addresses something else', () => {
    const s = new SessionBuilder();
    s.user('How do I reset the password of my router model AX3000?');
    s.assistant({ toolCalls: [{ name: 'search_docs', args: { q: 'router password reset' }, result: '{"docs": ["..."]}' }] });
    const answer = s.assistant({ text: 'Our premium subscription includes unlimited cloud storage, family sharing, priority support and discounts on accessories.' });
    const result = evaluateNow(reasoningDrift, s.view(), defaults);
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
    const result = evaluateNow(reasoningDrift, s.view(), defaults);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'reasoning_drift', subtype: 'loop' });
    expect(result.evidence[0]!.note).toMatch(/the same 2 steps repeated 3 times/);
  });

  it('longestCycle finds periods 1-4', () => {
    expect(longestCycle([1, 2, 3, 1, 2, 3, 1, 2, 3])).toEqual([3, 3, 8]);
    expect(longestCycle([1, 2, 3, 4])[0]).toBe(1);
    expect(longestCycle([5, 5, 5, 5])).toEqual([4, 1, 3]);
  });

  it('stepCycles compares steps in place exactly as by their keys (tool name:arguments, role + opening)', () => {
    // The keys as first written: each step a string, equal strings the same step.
    const reference = (timeline: TimelineEntry[]) => {
      const ids = new Map<string, number>();
      return longestCycle(timeline.map((entry) => {
        const key = entry.kind === 'tool' ? `t:${entry.call.name}:${entry.call.arguments}` : `${entry.message.role[0]}:${collapseSpaces(entry.message.text.slice(0, 160).toLowerCase())}`;
        if (!ids.has(key)) ids.set(key, ids.size);
        return ids.get(key)!;
      }));
    };
    const long = 'x'.repeat(158);
    const texts = ['Let me check.', 'LET ME  check.', 'let me\n\tcheck.', ' Let me check. ', 'Let me check.\u00a0', 'Let me check.\u00a0\u00a0', 'let me check.\u2028',
      '\u212Aelvin', 'kelvin', '\u0130stanbul', 'i\u0307stanbul', `${long}AB`, `${long}ab`, `${long}abc`, `${long} \u00e9`, `${long}  `, `${long} `, '', ' ', '\t'];
    const tools: Array<[string, string]> = [['a:b', 'c'], ['a', 'b:c'], ['a', '{"x": 1}'], ['a', '{"x": 1}'], ['b', '{"x": 1}'], ['', ':']];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const timeline: TimelineEntry[] = [];
      const length = 1 + random(14);
      for (let i = 0; i < length; i++) {
        if (random(3) === 0) {
          const [name, args] = tools[random(tools.length)]!;
          timeline.push({ kind: 'tool', call: { name, arguments: args, spanId: `s${i}` } as ToolCallView });
        } else {
          timeline.push({ kind: 'message', message: { role: random(4) === 0 ? 'user' : 'assistant', text: texts[random(Math.min(texts.length, 3 + random(texts.length)))]!, spanId: `s${i}` } as MessageView });
        }
      }
      expect(stepCycles(timeline)).toEqual(reference(timeline));
    }
  });
});
