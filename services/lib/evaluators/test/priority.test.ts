import { describe, expect, it } from 'vitest';
import { DEFAULT_OBJECTIVE_EVALUATORS, RollingBaseline, evaluatorTypes, reviewPriority, type ScoredEvaluation, type SessionView } from '../src/index.js';
import { SessionBuilder, cleanSession, testDeps } from './fixtures.js';

async function scoreDefault(view: SessionView, baseline?: RollingBaseline): Promise<ScoredEvaluation[]> {
  const out: ScoredEvaluation[] = [];
  for (const item of DEFAULT_OBJECTIVE_EVALUATORS) {
    const type = evaluatorTypes.get(item.type)!;
    const deps = { ...testDeps, ...(baseline ? { baseline: baseline.snapshot() } : {}) };
    out.push({ evaluatorId: item.id, type: item.type, required: item.required, weight: item.weight, evaluation: await type.evaluate(view, type.params.parse(item.params), deps) });
  }
  return out;
}

describe('registry and default objective', () => {
  it('registers the seven evaluator types, each with defaults', () => {
    expect([...evaluatorTypes.keys()].sort()).toEqual(['assertions', 'context_saturation', 'goal_misalignment', 'llm_judge', 'reasoning_drift', 'session_shape', 'tool_failures']);
    for (const type of evaluatorTypes.values()) {
      expect(type.params.parse(undefined)).toEqual(type.params.parse({}));
      expect(type.deterministic).toBe(type.type !== 'llm_judge');
      expect(type.version).toBeGreaterThanOrEqual(1);
    }
    for (const item of DEFAULT_OBJECTIVE_EVALUATORS) expect(evaluatorTypes.get(item.type)?.deterministic).toBe(true);
  });

  it('a clean session passes every default evaluator and gets a low priority', async () => {
    const view = cleanSession().view();
    const scored = await scoreDefault(view);
    expect(scored.map((s) => [s.evaluatorId, s.evaluation.outcome])).toEqual(DEFAULT_OBJECTIVE_EVALUATORS.map((e) => [e.id, 'passed']));
    const { priority, reasons } = reviewPriority(view, scored);
    expect(priority).toBeLessThan(0.25);
    expect(reasons.every((r) => !r.code.endsWith('failed'))).toBe(true);
  });
});

describe('reviewPriority', () => {
  it('ranks a failing session above a clean one, and its contributions add up to the priority', async () => {
    const s = new SessionBuilder();
    s.user('Please refund order #W77.');
    s.assistant({ toolCalls: [{ name: 'refund_order', args: { order_id: '#W77' }, result: 'Error: payment provider rejected the refund' }] });
    s.assistant({ text: 'Your refund for order #W77 has been processed successfully.' });
    s.user("That's not what I asked, I see no refund. Let me talk to a real person.");
    s.assistant({ text: 'Transferring you.' });
    const view = s.view();
    const scored = await scoreDefault(view);
    const bad = reviewPriority(view, scored);
    const clean = cleanSession().view();
    const good = reviewPriority(clean, await scoreDefault(clean));
    expect(bad.priority).toBeGreaterThan(0.6);
    expect(bad.priority).toBeGreaterThan(good.priority + 0.3);
    const sum = bad.reasons.reduce((total, r) => total + r.contribution, 0);
    expect(sum).toBeCloseTo(bad.priority, 10);
    expect(bad.reasons[0]).toMatchObject({ code: 'required_failed' });
    expect(bad.reasons.map((r) => r.evaluatorId)).toContain('tool_failures');
    expect(bad.reasons.map((r) => r.code)).toContain('tool_error_rate');
    // Sorted, most important first.
    for (let i = 1; i < bad.reasons.length; i++) expect(bad.reasons[i - 1]!.contribution).toBeGreaterThanOrEqual(bad.reasons[i]!.contribution);
  });

  it('weighs length against the baseline when there is one', async () => {
    const baseline = new RollingBaseline();
    for (let i = 0; i < 40; i++) baseline.observe(cleanSession().view());
    const s = new SessionBuilder();
    s.user('Help me find a good laptop for video editing under 2000 dollars.');
    for (let i = 0; i < 20; i++) s.assistant({ toolCalls: [{ name: 'search_products', args: { q: `laptop ${i}` }, result: `[{"id": "L${i}"}]` }] });
    s.assistant({ text: 'The best laptop for video editing under 2000 dollars is L3.' });
    const view = s.view();
    const { reasons } = reviewPriority(view, await scoreDefault(view, baseline), baseline.snapshot());
    expect(reasons.find((r) => r.code === 'length')?.detail).toMatch(/z=\d/);
  });

  it('is 0 with nothing to report', () => {
    const view = new SessionBuilder().view();
    expect(reviewPriority(view, [])).toEqual({ priority: 0, reasons: [] });
  });
});
