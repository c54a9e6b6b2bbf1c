import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { TracebarClickHouseError } from './errors.js';
import type { MigrationLogger } from './migration-logger.js';

export const lockTable = 'schema_migrations_lock';

/**
 * An append-only log of claims and releases. ClickHouse has no transactions or row locks, but
 * an acknowledged INSERT is visible to every later SELECT on the same server, which is all the
 * protocol in acquireMigrationLock needs. Old rows age out by TTL.
 */
export const createLockTable = `
CREATE TABLE IF NOT EXISTS ${lockTable} (
  token String,
  owner String,
  process String,
  event Enum8('claim' = 1, 'release' = 2),
  expires_at DateTime64(3, 'UTC'),
  at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY (token, at)
TTL toDateTime(at) + INTERVAL 7 DAY`;

export interface MigrationLockOptions {
  /** Shown to other runners that wait for this lock. */
  owner: string;
  /** A claim not renewed for this long is free to take over. The holder renews every ttl/3. */
  ttlMs: number;
  /** Give up acquiring after this long. */
  waitMs: number;
  /**
   * chDB locks its data folder to one process, so in embedded mode a claim made by another
   * process is stale by construction (its process has exited) and is ignored at once instead
   * of after its TTL: a restart after a crash does not wait.
   */
  embedded: boolean;
  logger: MigrationLogger | undefined;
}

export interface MigrationLock {
  /** Throws MIGRATION_LOCK_LOST unless this runner's claim is still live. */
  assertHeld(): Promise<void>;
  /** Stops renewing and releases the claim. Safe twice. */
  release(): Promise<void>;
}

interface LiveClaim {
  token: string;
  owner: string;
  process: string;
  expires: string;
}

/**
 * Acquires the migration lock: insert a claim, then read the live claims back; the lock is
 * held when no other live claim is visible. Two runners cannot both see only their own claim:
 * the one whose read came later also sees the other's earlier insert. When both see each other
 * both withdraw (insert a release) and retry after a random delay. A runner that sees a live
 * claim before claiming waits without claiming. Expiry is compared with the server's clock
 * (`now64()`), so client clocks do not matter.
 */
export async function acquireMigrationLock(client: ClickHouseClient, options: MigrationLockOptions): Promise<MigrationLock> {
  // A withdrawn claim stays released for good (its token has a release event), so every claim
  // attempt needs a token of its own.
  let token = randomUUID();
  const deadline = Date.now() + options.waitMs;
  const others = async (): Promise<LiveClaim[]> =>
    (await liveClaims(client)).filter((c) => c.token !== token && !(options.embedded && c.process !== processInstanceId()));

  for (let attempt = 0; ; attempt++) {
    let blocking = await others();
    if (blocking.length === 0) {
      token = randomUUID();
      await writeEvent(client, token, options.owner, 'claim', options.ttlMs);
      blocking = await others();
      if (blocking.length === 0) return startHolding(client, token, options);
      await writeEvent(client, token, options.owner, 'release', 0);
    }
    const [holder] = blocking;
    if (Date.now() >= deadline) {
      throw new TracebarClickHouseError(
        'MIGRATION_LOCK_TIMEOUT',
        `waited ${options.waitMs} ms for the migration lock held by ${holder?.owner ?? 'another runner'} (claim expires ${holder?.expires ?? '?'} UTC unless renewed)`,
      );
    }
    if (attempt === 0) options.logger?.info({ holder: holder?.owner }, 'waiting for the migration lock');
    await sleep(Math.min(1000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2));
  }
}

function startHolding(client: ClickHouseClient, token: string, options: MigrationLockOptions): MigrationLock {
  let renewal: Promise<void> = Promise.resolve();
  let released: Promise<void> | undefined;
  const timer = setInterval(() => {
    renewal = renewal
      .then(() => renew(client, token, options))
      .catch((err: unknown) => options.logger?.warn({ err }, 'could not renew the migration lock'));
  }, Math.max(1, Math.floor(options.ttlMs / 3)));
  timer.unref();

  return {
    async assertHeld() {
      const mine = (await liveClaims(client)).some((c) => c.token === token);
      if (!mine) {
        throw new TracebarClickHouseError(
          'MIGRATION_LOCK_LOST',
          `the migration lock of ${options.owner} expired or was released while migrations were running; stopping before the next migration`,
        );
      }
    },
    release() {
      released ??= (async () => {
        clearInterval(timer);
        await renewal;
        await writeEvent(client, token, options.owner, 'release', 0);
      })();
      return released;
    },
  };
}

async function liveClaims(client: ClickHouseClient): Promise<LiveClaim[]> {
  const result = await client.query({
    query: `
      SELECT token, any(owner) AS owner, any(process) AS process, toString(max(expires_at)) AS expires
      FROM ${lockTable}
      GROUP BY token
      HAVING countIf(event = 'release') = 0 AND max(expires_at) > now64(3)`,
    format: 'JSONEachRow',
  });
  return result.json<LiveClaim>();
}

async function writeEvent(client: ClickHouseClient, token: string, owner: string, event: 'claim' | 'release', ttlMs: number): Promise<void> {
  await client.command({
    query: `
      INSERT INTO ${lockTable} (token, owner, process, event, expires_at)
      SELECT {token:String}, {owner:String}, {process:String}, {event:String}, now64(3) + toIntervalMillisecond({ttl:UInt32})`,
    query_params: { token, owner, process: processInstanceId(), event, ttl: ttlMs },
  });
}

/**
 * Extends the claim only while it is still live, so a holder that stalled past its TTL (and may
 * have been taken over) never revives its claim; assertHeld then stops it.
 *
 * The log_comment names the query in a server's query_log, and, being a per-call setting, sends
 * the renewal over its own chDB connection: the main one runs one query at a time and may be
 * busy with a long migration statement, which must not starve the heartbeat.
 */
async function renew(client: ClickHouseClient, token: string, options: MigrationLockOptions): Promise<void> {
  await client.command({
    query: `
      INSERT INTO ${lockTable} (token, owner, process, event, expires_at)
      SELECT {token:String}, {owner:String}, {process:String}, 'claim', now64(3) + toIntervalMillisecond({ttl:UInt32})
      WHERE (SELECT max(expires_at) > now64(3) AND countIf(event = 'release') = 0 FROM ${lockTable} WHERE token = {token:String})`,
    query_params: { token, owner: options.owner, process: processInstanceId(), ttl: options.ttlMs },
    clickhouse_settings: { log_comment: 'tracebar migration lock renewal' },
  });
}

// Identity of this OS process for the embedded staleness rule. A pid is not enough: a
// container restarts with the same pid. Kept on globalThis so that two copies of this module
// in one process (a source and a built copy) agree; created on first use, not at import.
const processInstanceKey = Symbol.for('tracebar.clickhouse.processInstance');
function processInstanceId(): string {
  const holder = globalThis as { [processInstanceKey]?: string };
  holder[processInstanceKey] ??= randomUUID();
  return holder[processInstanceKey];
}
