import type { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { clientDefaults } from './client-defaults.js';

/** The connection contract as `@clickhouse/client` declares it. */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type Params<K extends keyof ClientConnection> = Parameters<ClientConnection[K]>[0];
type Result<K extends keyof ClientConnection> = ReturnType<ClientConnection[K]>;

// chdb declares its connection against @clickhouse/client-common 1.23.0, while
// @clickhouse/client 1.23.1 bundles its own copy of the same declarations; TypeScript sees two
// nominally different ClickHouseSettings types. The runtime shapes are the same contract.
function openChdb(path: string): ClientConnection {
  return createChdbConnection({ path }) as unknown as ClientConnection;
}

/**
 * A `@clickhouse/client` connection to chDB that behaves like one to a server in two ways the
 * plain `createChdbConnection` does not:
 *
 * - Queries run in `database` (chDB ignores the client's `database` option; `USE` is
 *   per native connection), with `clientDefaults` applied.
 * - Per-call `clickhouse_settings` stay with the call. chDB applies them as `SET` statements
 *   on the native connection, where they stick for every later query (measured: a
 *   `readonly: 1` made the connection read-only for good). Over HTTP they last one request.
 *   A call that carries settings therefore runs on a fresh native connection at the same
 *   path (~1.5 ms to open, query and close), which is closed afterwards.
 *
 * The engine runs one query at a time per native connection (measured), so `ping` also uses a
 * fresh connection: readiness must not wait behind a long query.
 */
export class EmbeddedConnection implements ClientConnection {
  readonly #path: string;
  readonly #database: string;
  readonly #main: ClientConnection;
  #closed = false;

  private constructor(path: string, database: string, main: ClientConnection) {
    this.#path = path;
    this.#database = database;
    this.#main = main;
  }

  /** Opens the engine at `path`, creates `database` if missing and makes it the default. */
  static async open(path: string, database: string, createDatabase: boolean): Promise<EmbeddedConnection> {
    const main = openChdb(path);
    try {
      if (createDatabase) await main.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
      await main.command({ query: connectionSetup(database) });
    } catch (err) {
      await main.close();
      throw err;
    }
    return new EmbeddedConnection(path, database, main);
  }

  query(params: Params<'query'>): Result<'query'> {
    return this.#route(params, (c) => c.query(params));
  }

  exec(params: Params<'exec'>): Result<'exec'> {
    return this.#route(params, (c) => c.exec(params));
  }

  command(params: Params<'command'>): Result<'command'> {
    return this.#route(params, (c) => c.command(params));
  }

  insert(params: Params<'insert'>): Result<'insert'> {
    return this.#route(params, (c) => c.insert(params));
  }

  async ping(params: Params<'ping'>): Result<'ping'> {
    if (this.#closed) return { success: false, error: new Error('ClickHouse client is closed') };
    try {
      return await this.#withFreshConnection((c) => c.ping(params));
    } catch (err) {
      return { success: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#main.close();
  }

  #route<T>(params: Params<'query'>, run: (c: ClientConnection) => Promise<T>): Promise<T> {
    return hasSettings(params) ? this.#withFreshConnection(run) : run(this.#main);
  }

  async #withFreshConnection<T>(run: (c: ClientConnection) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('ClickHouse client is closed');
    const c = openChdb(this.#path);
    try {
      await c.command({ query: connectionSetup(this.#database) });
      return await run(c);
    } finally {
      await c.close();
    }
  }
}

// State that must hold on every native connection: the default database and the defaults a
// server client gets through its client-level settings (see clientDefaults).
function connectionSetup(database: string): string {
  const sets = Object.entries(clientDefaults).map(([k, v]) => `SET ${k} = ${v}`);
  return [`USE ${quoteIdentifier(database)}`, ...sets].join('; ');
}

function hasSettings(params: Params<'query'>): boolean {
  return Object.values(params.clickhouse_settings ?? {}).some((v) => v !== undefined);
}

/** Backtick-quotes an identifier that was validated as `[A-Za-z_][A-Za-z0-9_]*`. */
export function quoteIdentifier(name: string): string {
  return `\`${name}\``;
}
