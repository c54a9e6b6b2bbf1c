import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createClickHouse,
  defaultMigrationsDir,
  lockTable,
  migrationsTable,
  runMigrations,
  type ClickHouse,
  type MigrationLogger,
} from '../src/index.js';
import { acquireMigrationLock, createLockTable } from '../src/migration-lock.js';
import { makeTempDir } from './temp-dir.js';

// One chDB data folder for the whole file (one engine per process); each test works in its
// own database and its own migrations folder.
const temp = makeTempDir('migrations');
const dataPath = join(temp.path, 'data');
const open: ClickHouse[] = [];
let folders = 0;

afterAll(async () => {
  for (const ch of open) await ch.close();
  temp.remove();
});

async function connect(database: string): Promise<ClickHouse> {
  const ch = await createClickHouse({ dataPath, database });
  open.push(ch);
  return ch;
}

function migrationsFolder(files: Record<string, string>): string {
  const dir = join(temp.path, `migrations-${++folders}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function rows<T>(ch: ClickHouse, query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

function collectingLogger(): MigrationLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, info: (_f, m) => messages.push(m), warn: (_f, m) => messages.push(`warn: ${m}`) };
}

// Each migration appends a row to `steps`, which is not idempotent: a migration applied twice
// shows up as two rows.
const step = (name: string): string => `INSERT INTO steps SELECT '${name}', count() FROM steps;\n`;
const createSteps = 'CREATE TABLE IF NOT EXISTS steps (name String, seq UInt64) ENGINE = MergeTree ORDER BY seq;\n';

describe('runMigrations', () => {
  it('applies files once each in numeric order and records version, name, checksum, time and duration', async () => {
    const ch = await connect('mig_order');
    const dir = migrationsFolder({
      '0001_steps.sql': createSteps + step('0001'),
      '10000_last.sql': step('10000'),
      '9999_tricky.sql': `-- a comment; with a semicolon\nCREATE TABLE IF NOT EXISTS notes (s String DEFAULT 'a;b') ENGINE = MergeTree ORDER BY s;\n/* ; */ ${step('9999')}`,
      'README.md': 'not a migration',
    });

    const summary = await runMigrations(ch, { dir, owner: 'test-owner' });

    expect(summary).toEqual({ applied: ['0001_steps.sql', '9999_tricky.sql', '10000_last.sql'], skipped: [] });
    expect(await rows(ch, 'SELECT name, seq FROM steps ORDER BY seq')).toEqual([
      { name: '0001', seq: '0' },
      { name: '9999', seq: '1' },
      { name: '10000', seq: '2' },
    ]);
    expect(await rows(ch, "SELECT default_expression FROM system.columns WHERE database = 'mig_order' AND table = 'notes'")).toEqual([
      { default_expression: "'a;b'" },
    ]);
    const recorded = await rows<{ version: number; name: string; checksum: string; owner: string; duration_ms: string; age_s: number }>(
      ch,
      `SELECT version, name, checksum, owner, duration_ms, dateDiff('second', applied_at, now64(3)) AS age_s FROM ${migrationsTable} ORDER BY version`,
    );
    expect(recorded.map((r) => [r.version, r.name, r.owner])).toEqual([
      [1, '0001_steps.sql', 'test-owner'],
      [9999, '9999_tricky.sql', 'test-owner'],
      [10000, '10000_last.sql', 'test-owner'],
    ]);
    const sha = createHash('sha256').update(readFileSync(join(dir, '0001_steps.sql'))).digest('hex');
    expect(recorded[0]?.checksum).toBe(sha);
    for (const r of recorded) {
      expect(Number(r.duration_ms)).toBeGreaterThanOrEqual(0);
      expect(Number(r.age_s)).toBeLessThan(60);
    }
  });

  it('skips everything on the second run, takes no lock, and says so', async () => {
    const ch = await connect('mig_twice');
    const dir = migrationsFolder({ '0001_steps.sql': createSteps + step('0001'), '0002_more.sql': step('0002') });
    await runMigrations(ch, { dir });
    const claimsBefore = await rows<{ n: string }>(ch, `SELECT count() AS n FROM ${lockTable}`);
    const logger = collectingLogger();

    const second = await runMigrations(ch, { dir, logger });

    expect(second).toEqual({ applied: [], skipped: ['0001_steps.sql', '0002_more.sql'] });
    expect(logger.messages).toEqual(['migrations up to date, none applied']);
    expect(await rows(ch, 'SELECT count() AS n FROM steps')).toEqual([{ n: '2' }]);
    expect(await rows(ch, `SELECT count() AS n FROM ${migrationsTable}`)).toEqual([{ n: '2' }]);
    expect(await rows(ch, `SELECT count() AS n FROM ${lockTable}`)).toEqual(claimsBefore);
  });

  it('applies only the new file when one is added', async () => {
    const ch = await connect('mig_added');
    const files = { '0001_steps.sql': createSteps + step('0001') };
    const dir = migrationsFolder(files);
    await runMigrations(ch, { dir });
    writeFileSync(join(dir, '0002_added.sql'), step('0002'));

    expect(await runMigrations(ch, { dir })).toEqual({ applied: ['0002_added.sql'], skipped: ['0001_steps.sql'] });
    expect(await rows(ch, 'SELECT name FROM steps ORDER BY seq')).toEqual([{ name: '0001' }, { name: '0002' }]);
  });

  it('refuses to run when an applied file changed, naming it, and applies nothing', async () => {
    const ch = await connect('mig_changed');
    const dir = migrationsFolder({ '0001_steps.sql': createSteps + step('0001'), '0002_more.sql': step('0002') });
    await runMigrations(ch, { dir });
    writeFileSync(join(dir, '0002_more.sql'), step('0002-edited'));
    writeFileSync(join(dir, '0003_new.sql'), step('0003'));

    const err = await runMigrations(ch, { dir }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'MIGRATION_CHANGED', file: '0002_more.sql' });
    expect((err as Error).message).toMatch(/^0002_more\.sql changed after it was applied/);
    expect(await rows(ch, 'SELECT name FROM steps ORDER BY seq')).toEqual([{ name: '0001' }, { name: '0002' }]);
    expect(await rows(ch, `SELECT count() AS n FROM ${migrationsTable}`)).toEqual([{ n: '2' }]);
  });

  it('stops at a failing migration, records nothing for it, runs nothing after it, and resumes once fixed', async () => {
    const ch = await connect('mig_failing');
    const dir = migrationsFolder({
      '0001_steps.sql': createSteps + step('0001'),
      '0002_broken.sql': 'CREATE TABLE IF NOT EXISTS half (x UInt8) ENGINE = MergeTree ORDER BY x;\n\nSELECT * FROM no_such_table;\n',
      '0003_after.sql': step('0003'),
    });

    const err = await runMigrations(ch, { dir }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'MIGRATION_FAILED', file: '0002_broken.sql' });
    expect((err as Error).message).toMatch(/^0002_broken\.sql: statement 2 of 2 \(line 3\) failed: .*no_such_table/s);
    expect(await rows(ch, `SELECT name FROM ${migrationsTable}`)).toEqual([{ name: '0001_steps.sql' }]);
    expect(await rows(ch, 'SELECT name FROM steps')).toEqual([{ name: '0001' }]);
    expect(await rows(ch, `SELECT count() AS n FROM ${lockTable} WHERE event = 'claim'`)).not.toEqual([{ n: '0' }]);
    expect(await rows(ch, `SELECT count() AS live FROM (SELECT token FROM ${lockTable} GROUP BY token HAVING countIf(event = 'release') = 0)`)).toEqual([{ live: '0' }]);

    writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE IF NOT EXISTS half (x UInt8) ENGINE = MergeTree ORDER BY x;\n');
    expect(await runMigrations(ch, { dir })).toEqual({ applied: ['0002_broken.sql', '0003_after.sql'], skipped: ['0001_steps.sql'] });
  });

  it.each(['embedded', 'server'] as const)(
    'applies each migration exactly once when four runners start together (%s lock rules)',
    async (mode) => {
      const database = `mig_concurrent_${mode}`;
      const clients = await Promise.all([1, 2, 3, 4].map(() => connect(database)));
      const files: Record<string, string> = { '0001_steps.sql': createSteps + step('0001') };
      for (let v = 2; v <= 6; v++) files[`000${v}_step.sql`] = step(String(v));
      const dir = migrationsFolder(files);

      // The 'server' variant applies the TTL rules instead of the embedded one-process rule.
      const summaries = await Promise.all(clients.map((ch, i) => runMigrations({ ...ch, mode }, { dir, owner: `runner-${i}` })));

      const applied = summaries.flatMap((s) => s.applied).sort();
      expect(applied).toEqual(Object.keys(files).sort());
      for (const s of summaries) expect([...s.applied, ...s.skipped].sort()).toEqual(Object.keys(files).sort());
      const [ch] = clients;
      if (ch === undefined) throw new Error('no client');
      expect(await rows(ch, 'SELECT count() AS n, uniqExact(name) AS u FROM steps')).toEqual([{ n: '6', u: '6' }]);
      expect(await rows(ch, `SELECT count() AS n, uniqExact(version) AS u FROM ${migrationsTable}`)).toEqual([{ n: '6', u: '6' }]);
    },
  );

  it('waits for a live claim by another runner and takes over once it expires (server rules)', async () => {
    const ch = await connect('mig_stale');
    const dir = migrationsFolder({ '0001_steps.sql': createSteps + step('0001') });
    await runMigrations(ch, { dir: migrationsFolder({ '0000_noop.sql': 'SELECT 1' }) }); // creates the tables
    await ch.client.command({
      query: `INSERT INTO ${lockTable} (token, owner, process, event, expires_at) SELECT 'crashed', 'crashed-runner', 'p', 'claim', now64(3) + INTERVAL 1500 MILLISECOND`,
    });
    const logger = collectingLogger();
    const started = performance.now();

    const summary = await runMigrations({ ...ch, mode: 'server' }, { dir, logger });

    expect(summary.applied).toEqual(['0001_steps.sql']);
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect(logger.messages).toContain('waiting for the migration lock');
  });

  it('times out naming the holder when a claim stays live (server rules)', async () => {
    const ch = await connect('mig_timeout');
    const dir = migrationsFolder({ '0001_steps.sql': createSteps + step('0001') });
    await runMigrations(ch, { dir: migrationsFolder({ '0000_noop.sql': 'SELECT 1' }) }); // creates the tables
    await ch.client.command({
      query: `INSERT INTO ${lockTable} (token, owner, process, event, expires_at) SELECT 'busy', 'busy-runner', 'p', 'claim', now64(3) + INTERVAL 1 HOUR`,
    });

    const err = await runMigrations({ ...ch, mode: 'server' }, { dir, lockWaitMs: 300 }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'MIGRATION_LOCK_TIMEOUT' });
    expect((err as Error).message).toMatch(/held by busy-runner/);
    expect(await rows(ch, `SELECT count() AS n FROM ${migrationsTable}`)).toEqual([{ n: '1' }]);

    // Embedded, the same claim comes from a process that can no longer hold the folder: ignored.
    expect((await runMigrations(ch, { dir, lockWaitMs: 300 })).applied).toEqual(['0001_steps.sql']);
  });

  it('stops before the next migration when its lock was released under it', async () => {
    const ch = await connect('mig_lost');
    const dir = migrationsFolder({
      '0001_steps.sql': createSteps + step('0001'),
      // Simulates a takeover: releases every claim, this runner's included.
      '0002_steal.sql': `INSERT INTO ${lockTable} (token, owner, process, event, expires_at) SELECT DISTINCT token, 'thief', process, 'release', now64(3) FROM ${lockTable}`,
      '0003_after.sql': step('0003'),
    });

    const err = await runMigrations(ch, { dir }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'MIGRATION_LOCK_LOST' });
    expect(await rows(ch, `SELECT name FROM ${migrationsTable} ORDER BY version`)).toEqual([{ name: '0001_steps.sql' }, { name: '0002_steal.sql' }]);
    expect(await rows(ch, 'SELECT name FROM steps')).toEqual([{ name: '0001' }]);
  });

  it('keeps the lock alive past its TTL while a runner works', async () => {
    const ch = await connect('mig_renew');
    const dir = migrationsFolder({
      '0001_slow.sql': 'SELECT sleep(2)',
      '0002_after.sql': createSteps + step('0002'),
    });
    const logger = collectingLogger();

    // Renewed every 300 ms; without renewal the claim would expire during the 2 s statement.
    const summary = await runMigrations({ ...ch, mode: 'server' }, { dir, lockTtlMs: 900, logger });

    expect(summary.applied).toEqual(['0001_slow.sql', '0002_after.sql']);
    expect(logger.messages.filter((m) => m.startsWith('warn'))).toEqual([]);
    const claims = await rows<{ n: string }>(ch, `SELECT count() AS n FROM ${lockTable} WHERE event = 'claim'`);
    expect(Number(claims[0]?.n)).toBeGreaterThanOrEqual(3);
  });

  it('claims afresh after withdrawing from a tie, so the lock it then holds is live', async () => {
    const ch = await connect('mig_tie');
    await ch.client.command({ query: createLockTable });
    // Another runner's actions at the worst moments, on the same real table: its claim lands just
    // after ours (both see each other: we withdraw), and it withdraws just after us.
    const other = (event: string, ttl: number) =>
      ch.client.command({
        query: `INSERT INTO ${lockTable} (token, owner, process, event, expires_at) SELECT 'tie-other', 'other runner', 'elsewhere', {event:String}, now64(3) + toIntervalMillisecond({ttl:UInt32})`,
        query_params: { event, ttl },
      });
    let step = 0;
    const client = new Proxy(ch.client, {
      get(target, property, receiver) {
        if (property !== 'command') {
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        return async (params: Parameters<typeof target.command>[0]) => {
          const result = await target.command(params);
          const event = (params.query_params as { event?: string } | undefined)?.event;
          if (event === 'claim' && step === 0) {
            step = 1;
            await other('claim', 30_000);
          } else if (event === 'release' && step === 1) {
            step = 2;
            await other('release', 0);
          }
          return result;
        };
      },
    });
    const lock = await acquireMigrationLock(client, { owner: 'tie test', ttlMs: 30_000, waitMs: 10_000, embedded: false, logger: undefined });
    expect(step).toBe(2);
    await expect(lock.assertHeld()).resolves.toBeUndefined();
    await lock.release();
  });

  it('runs the production migrations folder', async () => {
    const ch = await connect('mig_production');
    const summary = await runMigrations(ch, { dir: defaultMigrationsDir });
    expect([...summary.applied, ...summary.skipped].every((name) => /^\d{4,}_.+\.sql$/.test(name))).toBe(true);
    expect((await runMigrations(ch, { dir: defaultMigrationsDir })).applied).toEqual([]);
  });
});
