import { describe, expect, it } from 'vitest';
import { RollingBaseline } from '../../baseline.js';
import { SessionBuilder, cleanSession, testDeps } from '../../../test/fixtures.js';
import { sessionShape } from './session-shape.js';

const defaults = sessionShape.params.parse(undefined);

function baselineOf(sessions: number): RollingBaseline {
  const baseline = new RollingBaseline({ halfLife: 200 });
  for (let i = 0; i < sessions; i++) baseline.observe((i % 2 === 0 ? cleanSession() : cleanSession({ toolSpans: true })).view());
  return baseline;
}

describe('session_shape', () => {
  it('passes a session like its baseline', () => {
    const result = sessionShape.evaluate(cleanSession().view(), defaults, { ...testDeps, baseline: baselineOf(30).snapshot() });
    expect(result.outcome).toBe('passed');
    expect(Math.abs(result.signals.spans_z!)).toBeLessThan(3);
  });

  it('fails a session far longer than the baseline, with evidence at its end', () => {
    const s = new SessionBuilder();
    s.user('Help me with my order.');
    for (let i = 0; i < 60; i++) s.assistant({ toolCalls: [{ name: 'lookup', args: { i }, result: `{"i": ${i}}` }] });
    s.assistant({ text: 'Done looking.' });
    const view = s.view();
    const result = sessionShape.evaluate(view, defaults, { ...testDeps, baseline: baselineOf(30).snapshot() });
    expect(result.outcome).toBe('failed');
    expect(result.detail).toMatch(/spans 62 \(z=/);
    expect(result.evidence[0]!.spanId).toBe(view.spans[view.spans.length - 1]!.spanId);
  });

  it('uses fixed caps without a (warm) baseline', () => {
    const s = new SessionBuilder();
    for (let i = 0; i < 45; i++) {
      s.user(`question ${i}`);
      s.assistant({ text: `answer ${i}` });
    }
    expect(sessionShape.evaluate(s.view(), defaults, { ...testDeps, baseline: baselineOf(5).snapshot() }).detail).toMatch(/turns 45 over 40/);
    expect(sessionShape.evaluate(cleanSession().view(), defaults, testDeps).outcome).toBe('passed');
  });
});

describe('RollingBaseline', () => {
  it('is bounded, serialisable and restorable', () => {
    const baseline = baselineOf(1_000);
    const snapshot = baseline.snapshot();
    expect(JSON.stringify(snapshot).length).toBeLessThan(1_000);
    expect(snapshot.count).toBe(1_000);
    expect(Math.expm1(snapshot.metrics.spans.mean)).toBeGreaterThan(5);
    const restored = new RollingBaseline({ from: JSON.parse(JSON.stringify(snapshot)) });
    restored.observe(cleanSession().view());
    expect(restored.snapshot().count).toBe(1_001);
    expect(baseline.snapshot().count).toBe(1_000); // the snapshot is a copy
  });
});
