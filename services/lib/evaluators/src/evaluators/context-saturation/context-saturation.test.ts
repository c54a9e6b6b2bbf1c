import { describe, expect, it } from 'vitest';
import { SessionBuilder, cleanSession, testDeps } from '../../../test/fixtures.js';
import { contextSaturation } from './context-saturation.js';

const defaults = contextSaturation.params.parse(undefined);

describe('context_saturation', () => {
  it('passes a clean session', () => {
    const result = contextSaturation.evaluate(cleanSession().view(), defaults, testDeps);
    expect(result).toMatchObject({ outcome: 'passed', score: 1, evidence: [] });
    expect(result.signals.max_window_fill).toBeGreaterThan(0);
    expect(result.signals.max_window_fill).toBeLessThan(0.01);
  });

  it('window_overflow: reported prompt tokens near the window', () => {
    const s = new SessionBuilder();
    s.user('Summarise these documents.');
    const call = s.assistant({ text: 'Here is the summary of the documents.', model: 'gpt-4o-2024-08-06', inputTokens: 125_000 });
    const result = contextSaturation.evaluate(s.view(), defaults, testDeps);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'context_saturation', subtype: 'window_overflow' });
    expect(result.evidence[0]).toMatchObject({ spanId: call });
    expect(result.evidence[0]!.note).toMatch(/98% of gpt-4o-2024-08-06's 128000-token window/);
  });

  it('window_overflow: estimated from text when tokens are absent', () => {
    const s = new SessionBuilder({ model: 'small-model' });
    s.user(`Read this log: ${'x'.repeat(15_000)}`);
    s.assistant({ text: 'The log shows repeated entries.' });
    const result = contextSaturation.evaluate(s.view(), defaults, testDeps);
    expect(result.pattern?.subtype).toBe('window_overflow');
    expect(result.evidence[0]!.note).toMatch(/prompt ~\d+ tokens/);
  });

  it('dropped_constraint: an early "not X" broken by a later action', () => {
    const s = new SessionBuilder();
    s.user('I need a flight from Boston to Chicago on Friday. I do not want to fly through JFK.');
    s.assistant({ toolCalls: [{ name: 'search_flights', args: { from: 'BOS', to: 'ORD' }, result: '[{"flight": "F1", "via": "JFK"}]' }] });
    s.assistant({ text: 'I found flight F1.' });
    s.user('Book it.');
    const booking = s.assistant({ toolCalls: [{ name: 'book_flight', args: { flight: 'F1', via: 'JFK' }, result: '{"status": "booked"}' }] });
    s.assistant({ text: 'Booked F1.' });
    const result = contextSaturation.evaluate(s.view(), defaults, testDeps);
    expect(result.outcome).toBe('failed');
    expect(result.pattern).toEqual({ pattern: 'context_saturation', subtype: 'dropped_constraint' });
    expect(result.evidence[0]!.spanId).toBe(booking);
    expect(result.evidence[0]!.note).toMatch(/JFK, excluded earlier/);
  });

  it('dropped_constraint: a stated maximum exceeded', () => {
    const s = new SessionBuilder();
    s.user('Order printer paper for the office, at most 20 boxes.');
    s.assistant({ toolCalls: [{ name: 'place_order', args: { item: 'paper', quantity: 50 }, result: '{"ok": true}' }] });
    s.assistant({ text: 'Ordered.' });
    const result = contextSaturation.evaluate(s.view(), defaults, testDeps);
    expect(result.pattern?.subtype).toBe('dropped_constraint');
    expect(result.evidence[0]!.note).toMatch(/quantity 50, over the stated 20/);
  });

  it('lost_in_middle: the constraint sat in the middle of a long context', () => {
    const s = new SessionBuilder();
    s.user('Let us plan the office move together.');
    s.assistant({ text: 'Sure, tell me about it.' });
    s.user('We move on the tenth of January, forty people.');
    s.assistant({ text: 'Noted: forty people, January 10.' });
    s.user('Please never use Acme Movers for anything.');
    s.assistant({ text: 'Understood.' });
    for (let i = 0; i < 4; i++) {
      s.user(`Here is floor plan ${i}: ${'room '.repeat(4_000)}`);
      s.assistant({ text: `Noted floor plan ${i}.`, inputTokens: 20_000 + i * 5_000 });
    }
    s.assistant({ toolCalls: [{ name: 'book_mover', args: { company: 'Acme Movers', date: '2025-01-10' }, result: '{"ok": true}' }], inputTokens: 40_000 });
    s.assistant({ text: 'Booked the movers.' });
    const params = contextSaturation.params.parse({ earlyTurns: 4 });
    const result = contextSaturation.evaluate(s.view(), params, testDeps);
    expect(result.pattern).toEqual({ pattern: 'context_saturation', subtype: 'lost_in_middle' });
  });
});
