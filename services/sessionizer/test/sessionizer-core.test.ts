// The close, revision, memory and offset rules, on the core fed directly (no bus).
import { CloseReason } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { createSessionizerCore, type CoreRecord, type Emission, type SessionizerCore } from '../src/sessionizer-core.js';
import { emitted, Log, random, testSettings } from './core-helpers.js';
import type { SpanSpec } from './span-fixtures.js';

const fast = { idleGapMs: 1_000, allowedLatenessMs: 100, revisionWindowMs: 5_000, commitIntervalMs: 0 };

function run(core: SessionizerCore, records: readonly CoreRecord[], partition = 0): Emission[] {
  if (!core.owns(partition)) core.assign(partition, 0);
  core.absorb(partition, records, 0);
  return core.takeEmissions();
}

/** One span of session `session`, received at `at` ms (event time = received time unless given). */
const at = (session: string, spanId: string, received: number, extra: Partial<SpanSpec> = {}): SpanSpec => ({
  session,
  spanId,
  start: received - 1,
  end: received,
  received,
  ...extra,
});

describe('closing', () => {
  it('closes a session once none of its spans was received for the idle gap, out-of-order spans included', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    expect(run(core, log.records([at('a', '3', 60, { start: 50, end: 60 }), at('a', '1', 100, { start: 0, end: 10 }), at('b', '1', 150), at('a', '2', 200, { start: 20, end: 30 })]))).toEqual([]);
    expect(run(core, log.records([at('b', '2', 1_050)]))).toEqual([]);
    const out = emitted(run(core, log.records([at('b', '3', 1_250)])));
    expect(out.map((e) => [e.key, e.revision, e.closeReason, e.spans])).toEqual([['default/a', 1, CloseReason.CLOSE_REASON_IDLE, ['1', '2', '3']]]);
    expect(core.stats().openSessions).toBe(1);
  });

  it('uses the idle gap of the session\'s service', () => {
    const core = createSessionizerCore(testSettings({ ...fast, idleGapByService: { patient: '3s' } }));
    const log = new Log();
    run(core, log.records([at('slow', '1', 0, { serviceName: 'patient' }), at('quick', '1', 0)]));
    expect(emitted(run(core, log.records([at('x', '1', 2_000)]))).map((e) => e.key)).toEqual(['default/quick']);
    expect(emitted(run(core, log.records([at('y', '1', 3_100)]))).map((e) => e.key)).toEqual(['default/slow', 'default/x']);
  });

  it('closes replayed old data by event time: received in a burst, closed by the gaps between events', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    // Events an hour old, received within milliseconds; session b's events are 10 s later.
    const old = -3_600_000;
    const replay = [at('a', '1', 0, { start: old, end: old + 10 }), at('a', '2', 1, { start: old + 20, end: old + 30 }), at('b', '1', 2, { start: old + 10_000, end: old + 10_010 })];
    expect(run(core, log.records(replay))).toEqual([]);
    // Once `a` has been quiet for the allowed lateness (processing time), event time closes it,
    // long before its idle gap of processing time.
    const out = emitted(run(core, log.records([at('c', '1', 150, { start: old + 10_100, end: old + 10_110 })])));
    expect(out.map((e) => [e.key, e.closeReason, e.spans])).toEqual([['default/a', CloseReason.CLOSE_REASON_IDLE, ['1', '2']]]);
  });

  it('does not let a clock running ahead close other sessions: event time is bounded by received time', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    run(core, log.records([at('a', '1', 0), at('a', '2', 10)]));
    // A span claiming to end an hour from now, received at 200 ms.
    expect(run(core, log.records([at('future', '1', 200, { start: 3_600_000, end: 3_600_010 })]))).toEqual([]);
  });

  it('closes on the end marker once the session was quiet for the allowed lateness, stragglers included', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    expect(run(core, log.records([at('a', '1', 0), at('a', '2', 10, { sessionEnd: true }), at('a', '3', 60)]))).toEqual([]);
    const out = emitted(run(core, log.records([at('b', '1', 161)])));
    expect(out.map((e) => [e.key, e.closeReason, e.spans])).toEqual([['default/a', CloseReason.CLOSE_REASON_END_MARKER, ['1', '2', '3']]]);
  });
});

describe('revisions', () => {
  it('turns a late span into revision 2 carrying every span, and ignores a repeated one', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    run(core, log.records([at('a', '1', 0), at('a', '2', 10)]));
    expect(emitted(run(core, log.records([at('b', '1', 1_100)]))).map((e) => [e.key, e.revision, e.spans])).toEqual([['default/a', 1, ['1', '2']]]);
    // A late span (its event time is old, it arrives after the close) and a repeat of span 2.
    run(core, log.records([at('a', '9', 1_200, { start: -5, end: -1 }), at('a', '2', 1_210)]));
    const out = emitted(run(core, log.records([at('b', '2', 2_300)])));
    expect(out.map((e) => [e.key, e.revision, e.spans])).toEqual([
      ['default/b', 1, ['1']],
      ['default/a', 2, ['9', '1', '2']],
    ]);
  });

  it('forgets a closed session after the revision window: the key starts over at revision 1', () => {
    const core = createSessionizerCore(testSettings({ ...fast, revisionWindowMs: 2_000 }));
    const log = new Log();
    run(core, log.records([at('a', '1', 0)]));
    run(core, log.records([at('x', '1', 1_100)]));
    expect(core.stats().rememberedSessions).toBe(1);
    // 0 + gap 1000 + window 2000: forgotten at 3000.
    run(core, log.records([at('y', '1', 3_050)]));
    expect(core.stats().rememberedSessions).toBe(1); // x; a is gone
    run(core, log.records([at('a', '9', 3_100)]));
    const out = emitted(run(core, log.records([at('z', '1', 4_200)])));
    expect(out.filter((e) => e.key === 'default/a').map((e) => [e.revision, e.spans])).toEqual([[1, ['9']]]);
  });
});

describe('caps', () => {
  it('closes a session at max spans as truncated, counts what follows, and says so once the key is quiet', () => {
    const core = createSessionizerCore(testSettings({ ...fast, maxSessionSpans: 3 }));
    const log = new Log();
    const first = emitted(run(core, log.records([1, 2, 3, 4, 5].map((i) => at('a', String(i), i * 10)))));
    expect(first.map((e) => [e.revision, e.closeReason, e.record.truncated, e.record.summary?.truncatedSpanCount, e.spans])).toEqual([
      [1, CloseReason.CLOSE_REASON_MAX_SPANS, true, 1, ['1', '2', '3']],
    ]);
    const later = emitted(run(core, log.records([at('b', '1', 1_100)])));
    expect(later.map((e) => [e.revision, e.closeReason, e.record.summary?.truncatedSpanCount, e.spans])).toEqual([[2, CloseReason.CLOSE_REASON_MAX_SPANS, 2, ['1', '2', '3']]]);
  });

  it('closes a session that runs past the max duration', () => {
    const core = createSessionizerCore(testSettings({ ...fast, maxSessionDurationMs: 500 }));
    const log = new Log();
    const out = emitted(run(core, log.records([at('a', '1', 0), at('a', '2', 300), at('a', '3', 600)])));
    expect(out.map((e) => [e.closeReason, e.record.truncated, e.spans])).toEqual([[CloseReason.CLOSE_REASON_MAX_DURATION, true, ['1', '2']]]);
  });
});

describe('memory caps', () => {
  it('evicts the oldest open session at the open-session cap, and leaves its later spans out', () => {
    const core = createSessionizerCore(testSettings({ ...fast, maxOpenSessions: 3 }));
    const log = new Log();
    const out = emitted(run(core, log.records(['a', 'b', 'c', 'd', 'e'].map((s, i) => at(s, '1', i)))));
    expect(out.map((e) => [e.key, e.closeReason, e.record.evicted, e.spans])).toEqual([
      ['default/a', CloseReason.CLOSE_REASON_EVICTED, true, ['1']],
      ['default/b', CloseReason.CLOSE_REASON_EVICTED, true, ['1']],
    ]);
    expect(core.stats().openSessions).toBe(3);
    expect(run(core, log.records([at('a', '2', 10)]))).toEqual([]);
    expect(core.stats().openSessions).toBe(3);
  });

  it('keeps held bytes under the byte cap by evicting open sessions', () => {
    const cap = 1_048_576;
    const core = createSessionizerCore(testSettings({ ...fast, maxOpenBytes: cap }));
    const log = new Log();
    const reasons: number[] = [];
    for (let i = 0; i < 200; i++) {
      // 20 KB spans: each session takes a chunk of its own.
      for (const e of run(core, log.records([at(`s${i}`, '1', i * 2, { padding: 20_000 })]))) reasons.push(e.closeReason);
      const stats = core.stats();
      expect(stats.openBytes + stats.rememberedBytes).toBeLessThanOrEqual(cap);
    }
    expect(reasons.length).toBeGreaterThan(100);
    expect(new Set(reasons)).toEqual(new Set([CloseReason.CLOSE_REASON_EVICTED]));
  });
});

describe('memory caps and late spans', () => {
  it('under the byte cap releases closed sessions\' spans first, and then leaves their late spans out', () => {
    const dropped: string[] = [];
    let released = 0;
    const observer = {
      spansConsumed: () => undefined,
      spanDropped: (reason: string) => dropped.push(reason),
      lateSpan: () => undefined,
      sessionClosed: () => undefined,
      forgotten: () => undefined,
      released: () => released++,
    };
    const core = createSessionizerCore(testSettings({ ...fast, maxOpenBytes: 1_048_576 }), observer);
    const log = new Log();
    run(core, log.records([at('a', '1', 0, { padding: 20_000 }), at('a', '2', 10, { padding: 20_000 })]));
    expect(emitted(run(core, log.records([at('b', '1', 1_100, { padding: 20_000 })]))).map((e) => e.key)).toEqual(['default/a']);
    // Open sessions that need the room a still holds.
    const reasons: number[] = [];
    for (let i = 0; i < 100 && released === 0; i++) for (const e of emitted(run(core, log.records([at(`o${i}`, '1', 1_200 + i, { padding: 20_000 })])))) reasons.push(e.closeReason);
    expect(released).toBe(1);
    expect(reasons).toEqual([]); // nothing open was evicted before a's spans went
    expect(core.stats().rememberedSessions).toBe(1); // a, as a tombstone
    // A late span for a: no new revision 1 that would replace the real one downstream.
    expect(run(core, log.records([at('a', '3', 1_300)]))).toEqual([]);
    expect(dropped).toEqual(['released']);
    const later = emitted(run(core, log.records([at('z', '1', 3_000)])));
    expect(later.filter((e) => e.key === 'default/a')).toEqual([]);
  });
});

describe('offsets', () => {
  it('commits up to the first span of the oldest session still held, else the next offset', () => {
    const core = createSessionizerCore(testSettings({ ...fast, revisionWindowMs: 1_000 }));
    const log = new Log();
    run(core, log.records([at('a', '1', 0), at('b', '1', 10), at('a', '2', 20), at('c', '1', 600)]));
    expect(core.pendingCommits()).toEqual([{ partition: 0, offset: 0 }]);
    core.markCommitted([{ partition: 0, offset: 0 }]);
    // a and b close at 1020/1010 and stay remembered for revisions: still held.
    run(core, log.records([at('c', '2', 1_100)]));
    expect(core.pendingCommits()).toEqual([]);
    // Past a and b's window (1020 + 1000): c (offset 3) is the oldest left.
    run(core, log.records([at('d', '1', 2_100)]));
    expect(core.pendingCommits()).toEqual([{ partition: 0, offset: 3 }]);
  });

  it('never commits into the span range of a forgotten session', () => {
    const core = createSessionizerCore(testSettings({ ...fast, revisionWindowMs: 0 }));
    const log = new Log();
    // a: offsets 0 and 2; x: offsets 1 and 3, still open when a is closed and forgotten.
    run(core, log.records([at('a', '1', 0), at('x', '1', 10), at('a', '2', 20), at('x', '2', 900), at('z', '1', 1_100)]));
    expect(emitted(core.takeEmissions())).toEqual([]);
    // Resuming at x's first span (1) would read a's second span as a new session a.
    expect(core.pendingCommits()).toEqual([{ partition: 0, offset: 0 }]);
    core.markCommitted([{ partition: 0, offset: 0 }]);
    // Once x is gone too, the commit moves past both.
    run(core, log.records([at('z', '2', 2_000)]));
    expect(core.pendingCommits()).toEqual([{ partition: 0, offset: 4 }]);
  });
});

describe('stalls and rebalances', () => {
  it('closes sessions of a partition that stopped delivering, once the wall clock says so', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    core.assign(0, 0);
    core.absorb(0, log.records([at('a', '1', 0)]), 10_000);
    core.extendSilent(10_050, 0);
    expect(core.takeEmissions()).toEqual([]);
    // Silent for lateness + gap of wall time after the last batch.
    core.extendSilent(10_000 + 100 + 1_000, 0);
    expect(emitted(core.takeEmissions()).map((e) => e.key)).toEqual(['default/a']);
  });

  it('does not count as silence the time the instance itself could not read', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    core.assign(0, 0);
    core.absorb(0, log.records([at('a', '1', 0)]), 10_000);
    core.extendSilent(12_000, 11_500);
    expect(core.takeEmissions()).toEqual([]);
  });

  it('drops a revoked partition without emitting, and starts empty when it comes back', () => {
    const core = createSessionizerCore(testSettings(fast));
    const log = new Log();
    run(core, log.records([at('a', '1', 0)]));
    core.revoke(0);
    expect(core.stats()).toMatchObject({ openSessions: 0, openBytes: 0, partitions: 0 });
    expect(core.takeEmissions()).toEqual([]);
    expect(run(core, log.records([at('b', '1', 5_000)]))).toEqual([]);
  });
});

describe('restarts', () => {
  /** A random stream: sessions that pause, come back late, end, repeat spans; 3 partitions. */
  function stream(seed: number): { partition: number; records: CoreRecord[] }[] {
    const rand = random(seed);
    const log = new Log();
    const out = [0, 1, 2].map((partition) => ({ partition, records: [] as CoreRecord[] }));
    let clock = 0;
    // Some clients' clocks run an hour behind; received times are out of order by up to 300 ms
    // (several ingest instances); now and then a burst of hour-old data is replayed.
    const sessions = Array.from({ length: 40 }, (_, i) => ({ key: `s${i}`, partition: i % 3, spans: 0, skew: i % 7 === 0 ? -3_600_000 : 0 }));
    const replays = Array.from({ length: 30 }, (_, i) => ({ key: `r${i}`, partition: i % 3, spans: 0, skew: 0 }));
    for (let n = 0; n < 1_500; n++) {
      // Mostly small steps, sometimes a pause longer than the idle gap or the revision window.
      const roll = rand();
      clock += roll < 0.9 ? rand() * 40 : roll < 0.98 ? 1_000 + rand() * 1_500 : 4_000 + rand() * 3_000;
      // Records 500-899: only a replay of half-hour-old data, on keys of its own.
      const replaying = n >= 500 && n < 900;
      const pool = replaying ? replays : sessions;
      const session = pool[Math.floor(rand() * pool.length)] as (typeof sessions)[number];
      const repeat = session.spans > 0 && rand() < 0.03;
      const spanId = repeat ? String(Math.floor(rand() * session.spans)) : String(session.spans++);
      const lateEvent = rand() < 0.05 ? -2_000 : 0;
      const oldData = replaying ? -1_800_000 : rand() < 0.05 ? -1_800_000 + n * 3 : 0;
      const event = clock + session.skew + lateEvent + oldData;
      const received = clock - rand() * 300;
      const spec: SpanSpec = { session: session.key, spanId, start: event - 5, end: event, received, sessionEnd: rand() < 0.02 };
      (out[session.partition] as { records: CoreRecord[] }).records.push(log.record(spec, session.partition));
    }
    return out;
  }

  function sessionizeAll(seed: number, batches: () => number, from: (partition: number) => number, until: (partition: number) => number) {
    const core = createSessionizerCore(testSettings({ ...fast, revisionWindowMs: 2_000, maxSessionSpans: 25 }));
    const digests: { key: string; revision: number; digest: string }[] = [];
    // A key seen again after its revision window is a new incarnation: tell them apart by the
    // offset of their first span.
    const commits = new Map<number, number>();
    for (const { partition, records } of stream(seed)) {
      core.assign(partition, 0);
      const mine = records.filter((r) => r.offset >= from(partition) && r.offset < until(partition));
      for (let i = 0; i < mine.length; ) {
        const size = batches();
        core.absorb(partition, mine.slice(i, i + size), 0);
        i += size;
        for (const e of core.takeEmissions()) digests.push({ key: `${e.key.toString()}@${e.partition}:${e.firstOffset}`, revision: e.revision, digest: e.values.map((v) => v.toString('hex')).join() });
        const pending = core.pendingCommits();
        core.markCommitted(pending);
        for (const c of pending) commits.set(c.partition, c.offset);
      }
    }
    return { digests, commits };
  }

  it('re-reading from the committed offsets after a crash emits the same revisions with the same content', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rand = random(seed * 7);
      const whole = sessionizeAll(seed, () => 1 + Math.floor(rand() * 50), () => 0, () => Infinity);
      const byIdentity = new Map(whole.digests.map((d) => [`${d.key}#${d.revision}`, d.digest]));
      expect(byIdentity.size).toBe(whole.digests.length); // each revision once
      expect(whole.digests.some((d) => d.revision > 1)).toBe(true);

      // Crash at a random point of each partition, then a new instance resumes from the commits.
      const crashAt = [0, 1, 2].map(() => 100 + Math.floor(rand() * 250));
      const before = sessionizeAll(seed, () => 1 + Math.floor(rand() * 30), () => 0, (p) => crashAt[p] as number);
      const resumed = sessionizeAll(seed, () => 1 + Math.floor(rand() * 70), (p) => before.commits.get(p) ?? 0, () => Infinity);
      const seen = new Set<string>();
      for (const d of [...before.digests, ...resumed.digests]) {
        const identity = `${d.key}#${d.revision}`;
        expect(d.digest, `${identity} (seed ${seed})`).toBe(byIdentity.get(identity));
        seen.add(identity);
      }
      // Every revision of the uninterrupted run came out, and nothing else.
      expect([...seen].sort()).toEqual([...byIdentity.keys()].sort());
      expect(resumed.digests.length).toBeGreaterThan(0);
    }
  });
});
