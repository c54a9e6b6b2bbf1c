import { defaultMigrationsDir, runMigrations, type ClickHouse } from '@tracebar/clickhouse';
import type { TracebarConfig } from '@tracebar/config';
import type { Component, Logger, SqlParams, SqlResult } from '@tracebar/runtime';
import { openStore, runReadOnly } from '../store.js';

export interface StoreComponent extends Component {
  /** The open store; throws before start. */
  store(): ClickHouse;
  sql(query: string, params: SqlParams): Promise<SqlResult>;
}

/** Opens ClickHouse (chDB under dataDir, or a server) and brings the schema up to date. */
export function createStoreComponent(config: TracebarConfig, logger: Logger, migrationsDir = defaultMigrationsDir): StoreComponent {
  const log = logger.child({ component: 'store' });
  let store: ClickHouse | undefined;
  let closed = false;

  function open(): ClickHouse {
    if (!store || closed) throw new Error('the store is not open');
    return store;
  }

  return {
    name: 'store',
    async start() {
      store = await openStore(config);
      const result = await runMigrations(store, { dir: migrationsDir, logger: log });
      log.info(
        { mode: store.mode, database: store.database, applied: result.applied.length, skipped: result.skipped.length },
        'store ready',
      );
    },
    async shutdown() {
      if (!store || closed) return;
      closed = true;
      await store.close();
    },
    readiness: {
      name: 'store',
      async check() {
        if (!store || closed) return { ready: false, detail: 'not open' };
        return (await store.ping()) ? { ready: true } : { ready: false, detail: 'ping failed' };
      },
    },
    store: open,
    sql: (query, params) => runReadOnly(open(), query, params),
  };
}
