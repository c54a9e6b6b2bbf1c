import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouse } from './create-clickhouse.js';
import { TracebarClickHouseError } from './errors.js';
import { loadMigrationFiles, type MigrationFile } from './migration-files.js';
import { acquireMigrationLock, createLockTable, type MigrationLock } from './migration-lock.js';
import type { MigrationLogger } from './migration-logger.js';

export const migrationsTable = 'schema_migrations';

const createMigrationsTable = `
CREATE TABLE IF NOT EXISTS ${migrationsTable} (
  version UInt32,
  name String,
  checksum String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3),
  duration_ms UInt64,
  owner String
) ENGINE = MergeTree
ORDER BY version`;

export interface RunMigrationsOptions {
  /** Folder of `NNNN_description.sql` files; tracebar's own is `defaultMigrationsDir`. */
  dir: string;
  logger?: MigrationLogger;
  /** Recorded with each migration and shown to runners waiting for the lock. Default `<hostname>:<pid>`. */
  owner?: string;
  /** Lock expiry when its holder stops renewing it (crash). Default 30 000 ms. */
  lockTtlMs?: number;
  /** How long to wait for another runner's lock before failing. Default 120 000 ms. */
  lockWaitMs?: number;
}

export interface MigrationSummary {
  /** File names applied by this run, in order. */
  applied: string[];
  /** File names found already applied (by an earlier run or a concurrent runner). */
  skipped: string[];
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
}

/**
 * Applies the migrations in `dir` that are not yet recorded, in ascending version order, each
 * once, under the migration lock. A recorded migration whose file changed is an error
 * (MIGRATION_CHANGED) and nothing is applied. A failing statement stops the run; its migration
 * is not recorded, so it runs again from its first statement next time — which is why every
 * statement must be safe to repeat (IF NOT EXISTS, IF EXISTS).
 */
export async function runMigrations(ch: ClickHouse, options: RunMigrationsOptions): Promise<MigrationSummary> {
  const { client } = ch;
  const logger = options.logger;
  const owner = options.owner ?? `${hostname()}:${process.pid}`;
  const files = await loadMigrationFiles(options.dir);

  await client.command({ query: createMigrationsTable });
  await client.command({ query: createLockTable });

  // Without pending work there is nothing to protect, so an up-to-date start takes no lock.
  if (pending(files, await readApplied(client), logger).length === 0) {
    logger?.info({ dir: options.dir, migrations: files.length }, 'migrations up to date, none applied');
    return { applied: [], skipped: files.map((f) => f.name) };
  }

  const lock = await acquireMigrationLock(client, {
    owner,
    ttlMs: options.lockTtlMs ?? 30_000,
    waitMs: options.lockWaitMs ?? 120_000,
    embedded: ch.mode === 'embedded',
    logger,
  });
  try {
    // Re-read under the lock: a runner that held it before us may have applied some.
    const todo = pending(files, await readApplied(client), logger);
    const applied: string[] = [];
    for (const file of todo) {
      await lock.assertHeld();
      await apply(client, file, owner, logger);
      applied.push(file.name);
    }
    if (applied.length === 0) logger?.info({ dir: options.dir }, 'migrations up to date, none applied');
    return { applied, skipped: files.filter((f) => !applied.includes(f.name)).map((f) => f.name) };
  } finally {
    await releaseQuietly(lock, logger);
  }
}

async function readApplied(client: ClickHouseClient): Promise<Map<number, AppliedRow>> {
  const result = await client.query({
    query: `SELECT version, name, checksum, toString(applied_at) AS applied_at FROM ${migrationsTable} ORDER BY version, applied_at`,
    format: 'JSONEachRow',
  });
  const byVersion = new Map<number, AppliedRow>();
  for (const row of await result.json<AppliedRow>()) {
    if (!byVersion.has(row.version)) byVersion.set(row.version, row);
  }
  return byVersion;
}

/** Checks every recorded migration against its file and returns the files not yet applied. */
function pending(files: readonly MigrationFile[], applied: Map<number, AppliedRow>, logger: MigrationLogger | undefined): MigrationFile[] {
  const known = new Set(files.map((f) => f.version));
  for (const row of applied.values()) {
    if (!known.has(row.version)) {
      logger?.warn({ version: row.version, name: row.name }, 'a recorded migration has no file here (database newer than this code?)');
    }
  }
  for (const file of files) {
    const row = applied.get(file.version);
    if (row !== undefined && row.checksum !== file.checksum) {
      throw new TracebarClickHouseError(
        'MIGRATION_CHANGED',
        `${file.name} changed after it was applied (as ${row.name} at ${row.applied_at} UTC, sha256 ${row.checksum.slice(0, 12)}…, ` +
          `now ${file.checksum.slice(0, 12)}…). Applied migrations are never re-run: restore the file and add a new migration.`,
        { file: file.name },
      );
    }
  }
  const maxApplied = Math.max(0, ...applied.keys());
  const todo = files.filter((f) => !applied.has(f.version));
  for (const file of todo.filter((f) => f.version < maxApplied)) {
    logger?.warn({ file: file.name, maxApplied }, 'applying a migration numbered below one already applied');
  }
  return todo;
}

async function apply(client: ClickHouseClient, file: MigrationFile, owner: string, logger: MigrationLogger | undefined): Promise<void> {
  const started = performance.now();
  for (const [i, statement] of file.statements.entries()) {
    try {
      await client.command({ query: statement.sql });
    } catch (err) {
      throw new TracebarClickHouseError(
        'MIGRATION_FAILED',
        `${file.name}: statement ${i + 1} of ${file.statements.length} (line ${statement.line}) failed: ${(err as Error).message.trim()}. ` +
          'The migration is not recorded; later migrations were not run.',
        { cause: err, file: file.name },
      );
    }
  }
  const durationMs = Math.round(performance.now() - started);
  await client.insert({
    table: migrationsTable,
    values: [{ version: file.version, name: file.name, checksum: file.checksum, duration_ms: durationMs, owner }],
    columns: ['version', 'name', 'checksum', 'duration_ms', 'owner'],
    format: 'JSONEachRow',
  });
  logger?.info({ file: file.name, durationMs, statements: file.statements.length }, 'migration applied');
}

async function releaseQuietly(lock: MigrationLock, logger: MigrationLogger | undefined): Promise<void> {
  try {
    await lock.release();
  } catch (err) {
    // The claim then simply expires after its TTL; the run's own outcome matters more.
    logger?.warn({ err }, 'could not release the migration lock');
  }
}
