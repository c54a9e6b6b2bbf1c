import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { clientDefaults } from './client-defaults.js';
import { EmbeddedConnection, quoteIdentifier } from './embedded-connection.js';
import { TracebarClickHouseError } from './errors.js';

export interface ClickHouseOptions {
  /** ClickHouse server HTTP(S) URL. When set, tracebar uses the server; otherwise embedded chDB. */
  url?: string;
  /** Server user. Default `default`. Ignored by embedded chDB. */
  username?: string;
  /** Server password. Default empty. Ignored by embedded chDB. */
  password?: string;
  /** Database every query runs in unless it names another. Created if missing. Default `tracebar`. */
  database?: string;
  /** chDB data folder, created if missing. Required when `url` is absent. */
  dataPath?: string;
  /** Server request timeout. Default 30 000 ms. chDB queries run to completion (no timeout). */
  requestTimeoutMs?: number;
  /** Run `CREATE DATABASE IF NOT EXISTS` at open. Default true; turn off for a user without that grant. */
  createDatabase?: boolean;
  /** Sent to the server as the application name (visible in system.query_log). Default `tracebar`. */
  application?: string;
}

export interface ClickHouse {
  /**
   * The official client. Use its API (`query`, `insert`, `command`, `exec`) directly; the same
   * calls behave the same on chDB and on a server. Prefer `clickhouse_settings` per call over
   * `SET` statements: a `SET` sticks to an embedded connection but not to an HTTP request.
   */
  readonly client: ClickHouseClient;
  readonly mode: 'embedded' | 'server';
  readonly database: string;
  /** Absolute chDB data folder in embedded mode. */
  readonly dataPath: string | undefined;
  /** True when the store answers `SELECT 1`. Never throws. */
  ping(): Promise<boolean>;
  /** Releases the client (and, in embedded mode, this client's native connection). Safe twice. */
  close(): Promise<void>;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Opens ClickHouse: a server when `options.url` is set, embedded chDB at `options.dataPath`
 * otherwise. The database is created if missing and is the default for unqualified names.
 *
 * Embedded: chDB is one engine per process. Several clients at the same folder share it, each
 * with its own native connection; a client at a different folder is refused while any is
 * open, and a folder held by another process is refused (code `CLICKHOUSE_OPEN`).
 */
export async function createClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  const database = options.database ?? 'tracebar';
  if (!identifier.test(database)) {
    throw new TracebarClickHouseError('CLICKHOUSE_OPTIONS', `database must match ${identifier.source}, got ${JSON.stringify(database)}`);
  }
  const createDatabase = options.createDatabase ?? true;
  if (options.url !== undefined) return openServer(options, options.url, database, createDatabase);
  if (options.dataPath === undefined || options.dataPath === '') {
    throw new TracebarClickHouseError('CLICKHOUSE_OPTIONS', 'dataPath is required when url is not set (embedded chDB)');
  }
  return openEmbedded(resolve(options.dataPath), database, createDatabase);
}

async function openEmbedded(dataPath: string, database: string, createDatabase: boolean): Promise<ClickHouse> {
  mkdirSync(dataPath, { recursive: true });
  let connection: EmbeddedConnection;
  try {
    connection = await EmbeddedConnection.open(dataPath, database, createDatabase);
  } catch (err) {
    throw explainOpenFailure(err, dataPath);
  }
  const client = createClient({ connection });
  return wrap(client, 'embedded', database, dataPath);
}

async function openServer(options: ClickHouseOptions, url: string, database: string, createDatabase: boolean): Promise<ClickHouse> {
  const config = {
    url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    application: options.application ?? 'tracebar',
    clickhouse_settings: { ...clientDefaults },
  };
  if (createDatabase) {
    // The HTTP interface rejects any request naming a database that does not exist yet, so the
    // database is created through a client that does not name one.
    const bootstrap = createClient(config);
    try {
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
    } finally {
      await bootstrap.close();
    }
  }
  return wrap(createClient({ ...config, database }), 'server', database, undefined);
}

function wrap(client: ClickHouseClient, mode: ClickHouse['mode'], database: string, dataPath: string | undefined): ClickHouse {
  let closing: Promise<void> | undefined;
  return {
    client,
    mode,
    database,
    dataPath,
    async ping() {
      if (closing !== undefined) return false;
      try {
        return (await client.ping()).success;
      } catch {
        return false;
      }
    },
    close() {
      closing ??= client.close();
      return closing;
    },
  };
}

function explainOpenFailure(err: unknown, dataPath: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'CHDB_CONNECTION') return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('only one active data directory')) {
    return new TracebarClickHouseError(
      'CLICKHOUSE_OPEN',
      `cannot open chDB at ${dataPath}: this process already has another chDB data folder open, and chDB allows one per process (${message})`,
      { cause: err },
    );
  }
  return new TracebarClickHouseError(
    'CLICKHOUSE_OPEN',
    `cannot open chDB at ${dataPath}: ${message}. chDB locks its data folder to one process; ` +
      `${holder(dataPath)}. Reach a running instance through its admin API instead.`,
    { cause: err },
  );
}

function holder(dataPath: string): string {
  try {
    const pid = /PID: (\d+)/.exec(readFileSync(resolve(dataPath, 'status'), 'utf8'))?.[1];
    return pid === undefined ? 'no holder is recorded in its status file' : `the status file names process ${pid} as the holder`;
  } catch {
    return 'no status file was found';
  }
}
