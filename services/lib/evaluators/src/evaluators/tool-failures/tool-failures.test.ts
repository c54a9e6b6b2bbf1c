import { describe, expect, it } from 'vitest';
import { SessionBuilder, cleanSession, testDeps } from '../../../test/fixtures.js';
import { argumentLeaves } from '../../analysis/actions.js';
import { mismatch, toolFailures } from './tool-failures.js';

const run = (s: SessionBuilder) => toolFailures.evaluate(s.view(), toolFailures.params.parse(undefined), testDeps);

describe('tool_failures', () => {
  it('passes a clean session with score 1 and no evidence', () => {
    for (const toolSpans of [false, true]) {
      const result = run(cleanSession({ toolSpans }));
      expect(result).toMatchObject({ outcome: 'passed', score: 1, evidence: [] });
      expect(result.pattern).toBeUndefined();
      expect(result.signals.tool_error_rate).toBe(0);
    }
  });

  it('explicit_error: an error result the agent acknowledges and never recovers from', () => {
    const s = new SessionBuilder();
    s.user('Please cancel my order #W9 today.');
    const failing = s.assistant({ toolCalls: [{ name: 'cancel_order', args: { order_id: '#W9' }, result: 'Error: order #W9 not found' }] });
    s.assistant({ text: 'Sorry, I could not find order #W9. Could you check the number?' });
    const result = run(s);
    expect(result.pattern).toEqual({ pattern: 'tool_failure', subtype: 'explicit_error' });
    expect(result.score).toBeLessThan(1);
    expect(result.signals).toMatchObject({ tool_errors: 1, unrecovered_errors: 1, tool_error_rate: 1 });
    // The result arrived with the next LLM call: evidence points at it, not at the request.
    expect(result.evidence[0]!.spanId).not.toBe(failing);
    expect(result.evidence[0]!.traceId).toBe(s.traceId);
  });

  it('explicit_error from span status on a tool span', () => {
    const s = new SessionBuilder({ toolSpans: true });
    s.user('Look up order #W9 for me.');
    s.assistant({ toolCalls: [{ name: 'get_order', args: { id: '#W9' }, result: 'timeout', statusError: true }] });
    s.assistant({ text: 'The order service is unavailable right now, sorry.' });
    const result = run(s);
    expect(result.pattern?.subtype).toBe('explicit_error');
    expect(result.evidence[0]!.note).toMatch(/get_order failed/);
  });

  it('silent_failure: a 2xx call with an empty body', () => {
    const s = new SessionBuilder({ toolSpans: true });
    s.user('Which orders do I have?');
    s.assistant({ toolCalls: [{ name: 'list_orders', args: { user: 'u1' }, result: '[]', httpStatus: 200 }] });
    s.assistant({ text: 'You have no orders at the moment.' });
    const result = run(s);
    expect(result.outcome).toBe('passed'); // suspicious, not failed on its own
    expect(result.pattern).toEqual({ pattern: 'tool_failure', subtype: 'silent_failure' });
    expect(result.evidence[0]!.note).toMatch(/list_orders returned \[\] \(HTTP 200\)/);
    expect(toolFailures.evaluate(s.view(), toolFailures.params.parse({ emptyResultOk: ['list_orders'] }), testDeps).evidence).toEqual([]);
  });

  it('silent_failure the agent answers over as if it worked: failed', () => {
    const s = new SessionBuilder({ toolSpans: true });
    s.user('Find me a hotel in Lisbon from June 10 to June 12.');
    s.assistant({ toolCalls: [{ name: 'search_hotels', args: { city: 'Lisbon' }, result: '[]', httpStatus: 200 }] });
    s.assistant({ text: 'I booked the Hotel Avenida in Lisbon from June 10 to June 12. Enjoy your stay!' });
    const result = run(s);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'tool_failure', subtype: 'silent_failure' });
    expect(result.evidence[0]!.note).toMatch(/search_hotels returned \[\] \(HTTP 200\); the answer reports it done/);
  });

  it('silent_failure: a result about something other than what was asked', () => {
    const s = new SessionBuilder();
    s.user('Show me order #W1234.');
    s.assistant({ toolCalls: [{ name: 'get_order', args: { order_id: '#W1234' }, result: '{"order_id": "#W9999", "status": "shipped"}' }] });
    s.assistant({ text: 'Order #W1234 has shipped.' });
    const result = run(s);
    expect(result.pattern?.subtype).toBe('silent_failure');
    expect(result.evidence[0]!.note).toMatch(/order_id #W1234 asked, #W9999 returned/);
  });

  it('retry_storm: the same tool with the same arguments again and again', () => {
    const s = new SessionBuilder({ toolSpans: true });
    s.user('What is the weather in Paris?');
    for (let i = 0; i < 4; i++) s.assistant({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris' }, result: '{"city": "Paris", "temp": null}' }] });
    s.assistant({ text: 'It is mild in Paris.' });
    const result = run(s);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'tool_failure', subtype: 'retry_storm' });
    expect(result.signals.retry_storm_max).toBe(4);
  });

  it('retry_storm: calls grouped alike pair by pair (few calls) and by key (many), groups in the order of their first call', () => {
    for (const others of [2, 40]) {
      const s = new SessionBuilder({ toolSpans: true });
      s.user('What is the weather in Paris and Rome?');
      const spans: string[] = [];
      for (let i = 0; i < others; i++) s.assistant({ toolCalls: [{ name: 'get_forecast', args: { day: i }, result: `{"day": ${i}}` }] });
      for (let i = 0; i < 5; i++) {
        for (const city of ['Rome', 'Paris']) {
          if (city === 'Paris' && i > 2) continue;
          s.assistant({ toolCalls: [{ name: 'get_weather', args: { city }, result: `{"city": "${city}", "temp": 20}` }] });
          spans.push(s.view().toolCalls.at(-1)!.spanId);
        }
      }
      const result = run(s);
      expect(result.signals.retry_storm_max).toBe(5);
      const storms = result.evidence.filter((e) => / called \d times with the same arguments/.test(e.note));
      expect(storms.map((e) => e.note)).toEqual(['get_weather called 5 times with the same arguments', 'get_weather called 3 times with the same arguments']);
      expect(storms.map((e) => e.spanId)).toEqual([spans[4], spans[5]]);
    }
  });

  it('ignored_error: the agent answers as if a failed call had worked', () => {
    const s = new SessionBuilder();
    s.user('Please refund order #W77.');
    s.assistant({ toolCalls: [{ name: 'refund_order', args: { order_id: '#W77' }, result: 'Error: payment provider rejected the refund' }] });
    const reply = s.assistant({ text: 'Your refund for order #W77 has been processed successfully.' });
    const result = run(s);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'tool_failure', subtype: 'ignored_error' });
    expect(result.evidence.map((e) => e.spanId)).toContain(reply);
    expect(result.signals.ignored_errors).toBe(1);
  });

  it('a failed call retried successfully is only a note', () => {
    const s = new SessionBuilder();
    s.user('Look up order #W5.');
    s.assistant({ toolCalls: [{ name: 'get_order', args: { order_id: 'W5' }, result: 'Error: invalid id format' }] });
    s.assistant({ toolCalls: [{ name: 'get_order', args: { order_id: '#W5' }, result: '{"order_id": "#W5", "status": "pending"}' }] });
    s.assistant({ text: 'Order #W5 is pending.' });
    const result = run(s);
    expect(result.outcome).toBe('passed');
    expect(result.signals).toMatchObject({ tool_errors: 1, unrecovered_errors: 0 });
  });
});

describe('mismatch', () => {
  /** mismatch as first written: the leaves of the arguments against JSON.parse of the whole result. */
  function reference(args: string, result: string): string | undefined {
    if (result.length < 2 || result[0] !== '{') return undefined;
    const leaves = argumentLeaves(JSON.parse(args)).filter(([key, value]) => key !== '' && /\d/.test(value) && value.length >= 4);
    if (leaves.length === 0 || !leaves.some(([key]) => result.includes(`"${key}"`))) return undefined;
    let top: unknown;
    try {
      top = JSON.parse(result);
    } catch {
      return undefined;
    }
    if (!top || typeof top !== 'object' || Array.isArray(top)) return undefined;
    for (const [key, value] of leaves) {
      const reported = (top as Record<string, unknown>)[key];
      if ((typeof reported === 'string' || typeof reported === 'number') && String(reported) !== value) return `${key} ${value} asked, ${String(reported)} returned`;
    }
    return undefined;
  }

  it('reads only as far as it must, with the answer of JSON.parse over the whole result', () => {
    const args = ['{"order_id": "#W1234"}', '{"order_id": "#W1234", "user_id": "mia_3668", "n": 1234}', '{"items": [{"order_id": "#W1234"}]}'];
    const tails = ['', ', "note": "ok"', ', "order_id": "#W9999"', ', "order\\u005fid": "#W9999"', ', "x": "a\\"b"', ', "order_id": "#W1234"', ', "bad": [1,,2]', ', }', ' x', ', "n": 1234.0', ', "n": 99', ', "user_id": {"a": 1}', ', "list": [{"order_id": "#W0000"}]'];
    const heads = ['{"order_id": "#W1234"', '{"order_id": "#W9999"', '{"user_id": "mia_3668", "order_id": "#W1234"', '{"status": "ok", "nested": {"order_id": "#W5"}', '{"order_id": 1234', '{"order_id": "#W1\\u00234"'];
    let found = 0;
    for (const a of args) {
      for (const head of heads) {
        for (const tail of tails) {
          for (const second of ['', tails[2]!, tails[3]!]) {
            const result = `${head}${tail}${second}}`;
            const expected = reference(a, result);
            expect(mismatch({ arguments: a, result, position: -1 })).toBe(expected);
            if (expected) found++;
          }
        }
      }
    }
    expect(found).toBeGreaterThan(50);
  });
});
