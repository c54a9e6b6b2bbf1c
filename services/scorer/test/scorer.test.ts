// The scorer on the in-process bus behind the real sessionizer: objectives picked, evaluators
// run with their versions, verdicts, review items ranked, timeouts, split sessions, restarts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryBus } from '@tracebar/bus';
import { evaluatorTypes } from '@tracebar/evaluators';
import { AlertKind, AlertSeverity, AlertState, Outcome } from '@tracebar/proto';
import { createMetricsRegistry } from '@tracebar/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanBooking, ignoredError, silentFailure } from './support/agent-sessions.js';
import { createScorer } from '../src/index.js';
import { CRITICAL_PRIORITY } from '../src/session-alert.js';
import { objectivesFolder, quietLogger, repoConfig, scorerConfig, startPipeline, waitFor } from './support/pipeline.js';

const emptyObjectives = objectivesFolder({});
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

describe('scorer, in-process bus', () => {
  it('scores every session against the default objective, fails the broken ones and ranks them for review', async () => {
    const p = await startPipeline(scorerConfig({ objectivesDir: emptyObjectives }));
    try {
      await p.send([
        { session: 'clean-1', steps: cleanBooking },
        { session: 'ignored-error', steps: ignoredError },
        { session: 'silent-failure', steps: silentFailure },
        { session: 'clean-2', steps: cleanBooking },
      ]);
      await waitFor('four score records', () => p.reader.scores.length >= 4);
      const byKey = new Map(p.reader.scores.map((s) => [s.sessionKey, s]));
      expect([...byKey.keys()].sort()).toEqual(['clean-1', 'clean-2', 'ignored-error', 'silent-failure']);
      for (const score of p.reader.scores) {
        expect(score.objective).toMatchObject({ id: 'default', version: 1 });
        expect(score.objective?.contentHash).toMatch(/^[0-9a-f]{64}$/);
        expect(score.sessionRevision).toBe(1);
        expect(score.taxonomyVersion).toBe('1');
        expect(score.serviceName).toBe('support-agent');
        for (const s of score.scores) expect(s.evaluatorVersion).toBe(evaluatorTypes.get(s.evaluatorType)?.version);
        expect(score.scores.map((s) => s.evaluatorType)).toEqual(expect.arrayContaining(['tool_failures', 'context_saturation', 'reasoning_drift', 'goal_misalignment']));
      }
      expect(byKey.get('clean-1')?.verdict?.outcome).toBe(Outcome.OUTCOME_PASSED);
      const ignored = byKey.get('ignored-error')?.verdict;
      expect(ignored?.outcome).toBe(Outcome.OUTCOME_FAILED);
      expect(ignored?.failedPatterns.map((f) => f.pattern)).toContain('tool_failure');
      expect(ignored?.failedRequiredEvaluators.length).toBeGreaterThan(0);
      // A silent failure is at least suspicious: the tool evaluator names it and scores below 1.
      const silentTools = byKey.get('silent-failure')?.scores.find((s) => s.evaluatorType === 'tool_failures');
      expect(silentTools?.pattern).toMatchObject({ pattern: 'tool_failure', subtype: 'silent_failure' });
      expect(silentTools?.score).toBeLessThan(1);
      await waitFor('review items of the broken sessions', () => new Set(p.reader.reviews.map((r) => r.sessionKey)).size >= 2);
      const reviews = new Map(p.reader.reviews.map((r) => [r.sessionKey, r]));
      for (const broken of ['ignored-error', 'silent-failure']) {
        const item = reviews.get(broken);
        expect(item?.priority, broken).toBeGreaterThan(reviews.get('clean-1')?.priority ?? 0);
        expect(item?.reasons.length, broken).toBeGreaterThan(0);
        // Contributions explain the priority.
        const sum = item?.reasons.reduce((total, r) => total + r.contribution, 0) ?? 0;
        expect(sum, broken).toBeCloseTo(item?.priority ?? -1, 5);
        expect(item?.evidence.length, broken).toBeGreaterThan(0);
        expect(item?.firstUserInput, broken).not.toBe('');
      }
      const metrics = await p.registry.metrics();
      expect(metrics).toMatch(/tracebar_scorer_sessions_scored_total 4/);
      expect(metrics).toMatch(/tracebar_scorer_verdicts_total\{objective="default",outcome="failed"\} [12]/);
      expect(reviews.get('ignored-error')?.verdict).toBe(Outcome.OUTCOME_FAILED);
    } finally {
      await p.stop();
    }
  });

  it('alerts on each failed session at or above scorer.alertPriority, once per revision, and on none when it is off', async () => {
    const sessions = [
      { session: 'clean-1', steps: cleanBooking },
      { session: 'ignored-error', steps: ignoredError },
      { session: 'silent-failure', steps: silentFailure },
    ];
    const p = await startPipeline(scorerConfig({ objectivesDir: emptyObjectives, scorer: { alertPriority: 0.05 } }));
    try {
      await p.send(sessions);
      await waitFor('three score records', () => p.reader.scores.length >= 3);
      const failed = p.reader.scores.filter((s) => s.verdict?.outcome === Outcome.OUTCOME_FAILED).map((s) => s.sessionKey);
      expect(failed).toContain('ignored-error');
      await waitFor('alerts of the failed sessions', () => p.reader.alerts.length >= failed.length);
      const reviews = new Map(p.reader.reviews.map((r) => [r.sessionKey, r]));
      expect(p.reader.alerts.map((a) => a.sessions[0]?.sessionKey).sort()).toEqual([...failed].sort());
      for (const alert of p.reader.alerts) {
        const key = alert.sessions[0]?.sessionKey ?? '';
        const review = reviews.get(key);
        expect(alert).toMatchObject({ tenant: 'default', kind: AlertKind.ALERT_KIND_SESSION, state: AlertState.ALERT_STATE_FIRING, source: 'scorer', metric: 'priority', thresholdValue: 0.05 });
        expect(alert.alertId).toBe(`session/default@1/${key}#1`);
        expect(alert.observedValue).toBe(review?.priority);
        expect(alert.severity).toBe((review?.priority ?? 0) >= CRITICAL_PRIORITY ? AlertSeverity.ALERT_SEVERITY_CRITICAL : AlertSeverity.ALERT_SEVERITY_WARNING);
        expect(alert.objective).toMatchObject({ id: 'default', version: 1 });
        expect(alert.summary).toContain(key);
        expect(alert.dimensions['service.name']).toBe('support-agent');
        expect(Number(alert.windowStartTimeUnixNano)).toBeGreaterThan(0);
      }
      expect(p.reader.alerts.find((a) => a.sessions[0]?.sessionKey === 'ignored-error')?.pattern?.pattern).toBe('tool_failure');
      expect(await p.registry.metrics()).toMatch(new RegExp(`tracebar_scorer_alerts_published_total ${failed.length}`));
    } finally {
      await p.stop();
    }
    const off = await startPipeline(scorerConfig({ objectivesDir: emptyObjectives, scorer: { alertPriority: 'off' } }));
    try {
      await off.send(sessions);
      await waitFor('three score records', () => off.reader.scores.length >= 3 && off.reader.reviews.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(off.reader.alerts).toEqual([]);
    } finally {
      await off.stop();
    }
  });

  it('picks the objectives whose selector matches and leaves the rest to the default', async () => {
    const dir = objectivesFolder({
      'travel.yaml': `id: travel\nversion: 3\nselector: { serviceName: travel-agent }\nsla: { target: 0.8 }\nevaluators:\n  - { id: tools, type: tool_failures }\n  - { id: shape, type: session_shape, required: false }\n`,
    });
    const p = await startPipeline(scorerConfig({ objectivesDir: dir }));
    try {
      await p.send([
        { session: 'travel-1', serviceName: 'travel-agent', steps: ignoredError },
        { session: 'other-1', serviceName: 'support-agent', steps: cleanBooking },
      ]);
      await waitFor('two score records', () => p.reader.scores.length >= 2);
      const travel = p.reader.scores.find((s) => s.sessionKey === 'travel-1');
      expect(travel?.objective).toMatchObject({ id: 'travel', version: 3 });
      expect(travel?.scores.map((s) => [s.evaluatorId, s.evaluatorType, s.required])).toEqual([
        ['tools', 'tool_failures', true],
        ['shape', 'session_shape', false],
      ]);
      expect(p.reader.scores.find((s) => s.sessionKey === 'other-1')?.objective?.id).toBe('default');
      expect(p.scorer.objectives().active.map((o) => `${o.id}@${o.version}`)).toEqual(['travel@3']);
    } finally {
      await p.stop();
    }
  });

  it('gives a required evaluator that times out "unscored", and the verdict unscored, never passed', async () => {
    // A chat-completions endpoint that never answers.
    const silent = createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/chat/completions`;
    const dir = objectivesFolder({
      'judged.yaml': `id: judged\nversion: 1\nsla: { target: 0.9 }\nevaluators:\n  - { id: judge, type: llm_judge }\n  - { id: tools, type: tool_failures }\n`,
    });
    const p = await startPipeline(scorerConfig({ objectivesDir: dir, scorer: { evaluatorTimeoutMs: 300, judge: { url, model: 'judge-model', timeoutMs: 60_000, retries: 0 } } }));
    try {
      await p.send([{ session: 'judged-1', steps: cleanBooking }]);
      await waitFor('the score record', () => p.reader.scores.length >= 1);
      const [score] = p.reader.scores;
      const judge = score?.scores.find((s) => s.evaluatorId === 'judge');
      expect(judge?.outcome).toBe(Outcome.OUTCOME_UNSCORED);
      expect(judge?.unscoredReason).toBe('timeout');
      expect(Number(judge?.durationNano)).toBeGreaterThanOrEqual(290_000_000);
      expect(score?.verdict?.outcome).toBe(Outcome.OUTCOME_UNSCORED);
      expect(score?.verdict?.unscoredRequiredEvaluators).toEqual(['judge']);
      expect(await p.registry.metrics()).toMatch(/tracebar_scorer_evaluations_total\{type="llm_judge",outcome="unscored",status="timeout"\} 1/);
    } finally {
      await p.stop();
    }
  });

  it('asks the configured embeddings endpoint once a session for reasoning_drift, and says in the score what it found', async () => {
    const inputs: string[][] = [];
    const embeddings = createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(data) as { model: string; input: string[] };
        inputs.push(body.input);
        res.writeHead(200, { 'content-type': 'application/json' });
        // Every text the same direction: the answer means what the request asked.
        res.end(JSON.stringify({ object: 'list', model: body.model, data: body.input.map((_, index) => ({ object: 'embedding', index, embedding: [0.6, 0.8] })) }));
      });
    });
    servers.push(embeddings);
    await new Promise<void>((resolve) => embeddings.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(embeddings.address() as AddressInfo).port}/v1`;
    const p = await startPipeline(scorerConfig({ objectivesDir: emptyObjectives, scorer: { embeddings: { url, model: 'embed-model' } } }));
    try {
      await p.send([{ session: 'embedded-1', steps: cleanBooking }]);
      await waitFor('the score record', () => p.reader.scores.length >= 1);
      expect(inputs).toHaveLength(1);
      expect(inputs[0]).toHaveLength(3);
      const drift = p.reader.scores[0]?.scores.find((s) => s.evaluatorType === 'reasoning_drift');
      expect(drift?.outcome).toBe(Outcome.OUTCOME_PASSED);
      expect(drift?.detail).toMatch(/similarity 1\.00 to the request \(embed-model\)/);
    } finally {
      await p.stop();
    }
  });

  it('joins a session split into parts and scores it whole, once', async () => {
    const long = Array.from({ length: 40 }, (_, i) => cleanBooking[i % cleanBooking.length]!).map((step, i) =>
      step.kind === 'tool' || (step.kind === 'llm' && step.toolCalls) ? { ...step, id: `c${i}`, ...(step.kind === 'llm' ? { toolCalls: step.toolCalls?.map((c) => ({ ...c, id: `c${i + 1}` })) } : {}) } : step,
    );
    const p = await startPipeline(scorerConfig({ objectivesDir: emptyObjectives, sessionsMaxMessageBytes: 16_384 }));
    try {
      await p.send([{ session: 'long-one', steps: long }]);
      await waitFor('the score record', () => p.reader.scores.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(p.reader.scores).toHaveLength(1);
      expect(p.scorer.stats()).toMatchObject({ sessionsScored: 1, pendingParts: 0, malformed: 0 });
      const sessions = await p.registry.metrics();
      expect(sessions).toMatch(/tracebar_scorer_sessions_scored_total 1/);
    } finally {
      await p.stop();
    }
  });

  it('skips and counts records that cannot be decoded, whether their top level or a span is broken', async () => {
    const p = await startPipeline(scorerConfig({ objectivesDir: emptyObjectives }));
    try {
      // A tenant of 32 bytes with 1 present: the header is broken.
      const brokenHeader = Buffer.from([0x0a, 0x20, 0x61]);
      // A whole header, then a span (field 14) whose span id (field 5) claims 5 bytes of the 3 the span has.
      const brokenSpan = Buffer.from([0x0a, 0x01, 0x61, 0x72, 0x03, 0x2a, 0x05, 0x61]);
      await p.bus.publish(p.config.topics.sessions.name, [brokenHeader, brokenSpan].map((value, i) => ({ key: `default/broken-${i}`, value })));
      await p.send([{ session: 'clean-after', steps: cleanBooking }]);
      await waitFor('the score record and both skips', () => p.reader.scores.length >= 1 && p.scorer.stats().malformed >= 2);
      expect(p.reader.scores.map((s) => s.sessionKey)).toEqual(['clean-after']);
      expect(p.scorer.stats()).toMatchObject({ sessionsScored: 1, malformed: 2 });
      expect(await p.registry.metrics()).toMatch(/tracebar_scorer_sessions_malformed_total 2/);
    } finally {
      await p.stop();
    }
  });

  it('refuses to start on an invalid objective, naming the file and key', async () => {
    const dir = objectivesFolder({ 'bad.yaml': `id: bad\nversion: 1\nsla: { target: 2 }\nevaluators: [{ id: x, type: tool_failures }]\n` });
    const bus = createMemoryBus();
    const scorer = createScorer({ config: scorerConfig({ objectivesDir: dir }), bus, logger: quietLogger(), registry: createMetricsRegistry() });
    await expect(scorer.start()).rejects.toThrow(/bad\.yaml: sla\.target: /);
    expect((await scorer.readiness?.check())?.ready).toBe(false);
    await scorer.shutdown(AbortSignal.timeout(1_000));
    await bus.close();
  });

  it('starts with the shipped config folder', async () => {
    const p = await startPipeline(scorerConfig({ objectivesDir: `${repoConfig}/objectives` }));
    try {
      expect(p.scorer.objectives().active.map((o) => o.id)).toContain('example-support-agent');
      expect((await p.scorer.readiness?.check())?.ready).toBe(true);
    } finally {
      await p.stop();
    }
  });
});
