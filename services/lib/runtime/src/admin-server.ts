import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { LabelsRejectedError, parseLabels, type LabelPublisher } from './labels.js';
import { evaluateReadiness, type ReadinessCheck } from './readiness.js';
import { registerTailRoute, type TopicTail } from './tail.js';

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
  /** Publishes labels to the labels topic (`POST /v1/labels`); absent: 404. */
  labels?: LabelPublisher;
  /** Subscribes to the review or alerts topic (`GET /v1/tail/<topic>`); absent: 404. */
  tail?: TopicTail;
  /** Stamps labels sent without a created time (tests pin it). */
  nowUnixNano?: () => bigint;
}

export const MAX_SQL_BYTES = 256 * 1024;
export const MAX_LABELS_BYTES = 16 * 1_048_576;

/**
 * `/healthz` says the process lives; `/readyz` says it can take traffic (every readiness check
 * passes); `/metrics` is Prometheus text; `POST /v1/sql` lets `tracebar sql` reach an embedded
 * store that another process holds locked; `POST /v1/labels` takes labels (a JSON array, one
 * object, or JSON lines as `application/x-ndjson`) in protobuf's JSON mapping and publishes them;
 * `GET /v1/tail/review|alerts[?from=beginning]` streams that topic as JSON lines (`tracebar tail`).
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

  // JSON lines: validated line by line in parseLabels.
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl'], { parseAs: 'string', bodyLimit: MAX_LABELS_BYTES }, (_request, body, done) => done(null, body));

  app.post('/v1/labels', { bodyLimit: MAX_LABELS_BYTES }, async (request, reply) => {
    if (!deps.labels) return reply.code(404).send({ error: 'no labels topic in this process' });
    let labels;
    try {
      labels = parseLabels(request.body, deps.nowUnixNano ?? (() => BigInt(Date.now()) * 1_000_000n));
    } catch (error) {
      if (error instanceof LabelsRejectedError) return reply.code(400).send({ error: error.message });
      throw error;
    }
    try {
      await deps.labels(labels);
    } catch (error) {
      request.log.error({ err: error }, 'publishing labels failed');
      return reply.code(503).send({ error: error instanceof Error ? error.message : String(error) });
    }
    return { accepted: labels.length };
  });

  registerTailRoute(app, deps.tail);

  return app;
}
