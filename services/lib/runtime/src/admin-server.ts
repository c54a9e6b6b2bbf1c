import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { evaluateReadiness, type ReadinessCheck } from './readiness.js';

export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  columns: SqlColumn[];
  /** One array per row, values in column order, as ClickHouse's JSON formats give them. */
  rows: unknown[][];
}

/** Runs a read-only query; throws `SqlRejectedError` for the caller's mistakes. */
/** Values for the query's `{name:Type}` placeholders, bound by ClickHouse (never spliced into SQL). */
export type SqlParams = Record<string, string>;

export type SqlRunner = (query: string, params: SqlParams) => Promise<SqlResult>;

/** The query itself was wrong (syntax, unknown table, a write under read-only): answered 400. */
export class SqlRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlRejectedError';
  }
}

export interface AdminServerDeps {
  logger: Logger;
  registry: Registry;
  readiness: () => readonly ReadinessCheck[];
  sql?: SqlRunner;
}

export const MAX_SQL_BYTES = 256 * 1024;

/**
 * `/healthz` says the process lives; `/readyz` says it can take traffic (every readiness check
 * passes); `/metrics` is Prometheus text; `POST /v1/sql` lets `tracebar sql` reach an embedded
 * store that another process holds locked.
 */
export function buildAdminServer(deps: AdminServerDeps): FastifyInstance {
  const app = fastify({ loggerInstance: deps.logger.child({ component: 'admin' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: MAX_SQL_BYTES });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const report = await evaluateReadiness(deps.readiness());
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(body);
  });

  app.post<{ Body: { query?: unknown; params?: unknown } }>('/v1/sql', async (request, reply) => {
    if (!deps.sql) return reply.code(404).send({ error: 'no SQL store in this process' });
    const query = request.body?.query;
    if (typeof query !== 'string' || query.trim() === '') {
      return reply.code(400).send({ error: 'body must be JSON {"query": "<SQL>", "params": {...}}' });
    }
    const params = request.body?.params ?? {};
    if (typeof params !== 'object' || params === null || Object.values(params).some((value) => typeof value !== 'string')) {
      return reply.code(400).send({ error: 'params must be an object of strings: {"params": {"tenant": "default"}}' });
    }
    try {
      return await deps.sql(query, params as SqlParams);
    } catch (error) {
      if (error instanceof SqlRejectedError) return reply.code(400).send({ error: error.message });
      request.log.error({ err: error }, 'sql query failed');
      return reply.code(503).send({ error: error instanceof Error ? error.message : String(error) });
    }
  });

  return app;
}
