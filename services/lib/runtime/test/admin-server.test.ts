import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildAdminServer, Counter, createLogger, createMetricsRegistry, SqlRejectedError, type ReadinessCheck } from '../src/index.js';

const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

function check(name: string, answer: () => Promise<boolean>): ReadinessCheck {
  return { name, check: async () => ({ ready: await answer() }) };
}

describe('admin server', () => {
  it('answers /healthz while not ready and /readyz only when every check passes', async () => {
    let storeReady = false;
    const app = buildAdminServer({
      logger: silent,
      registry: createMetricsRegistry(),
      readiness: () => [check('store', async () => storeReady), check('bus', async () => true)],
    });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'not ready', checks: { store: { ready: false }, bus: { ready: true } } });
    storeReady = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    await app.close();
  });

  it('counts a throwing or hanging check as not ready', async () => {
    const app = buildAdminServer({
      logger: silent,
      registry: createMetricsRegistry(),
      readiness: () => [
        { name: 'throws', check: () => Promise.reject(new Error('store down')) },
        { name: 'hangs', check: () => new Promise(() => undefined) },
      ],
    });
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual({
      throws: { ready: false, detail: 'store down' },
      hangs: { ready: false, detail: 'no answer within 2000 ms' },
    });
    await app.close();
  });

  it('serves Prometheus text with process metrics and component metrics', async () => {
    const registry = createMetricsRegistry();
    const counter = new Counter({ name: 'tracebar_test_things_total', help: 'things', registers: [registry] });
    counter.inc(3);
    const app = buildAdminServer({ logger: silent, registry, readiness: () => [] });
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('tracebar_test_things_total 3');
    expect(response.body).toContain('tracebar_process_cpu_user_seconds_total');
    await app.close();
  });

  it('runs SQL through the injected runner and maps its errors', async () => {
    const app = buildAdminServer({
      logger: silent,
      registry: createMetricsRegistry(),
      readiness: () => [],
      sql: async (query, params) => {
        if (query === 'SELECT {n:UInt8} AS n') return { columns: [{ name: 'n', type: 'UInt8' }], rows: [[Number(params.n)]] };
        if (query.startsWith('DROP')) throw new SqlRejectedError('read-only: DROP refused');
        if (query === 'SELECT broken') throw new Error('store unavailable');
        return { columns: [{ name: 'x', type: 'UInt8' }], rows: [[1]] };
      },
    });
    const ok = await app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT 1 AS x' } });
    expect(ok.json()).toEqual({ columns: [{ name: 'x', type: 'UInt8' }], rows: [[1]] });
    const rejected = await app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'DROP TABLE t' } });
    expect([rejected.statusCode, rejected.json()]).toEqual([400, { error: 'read-only: DROP refused' }]);
    const failed = await app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT broken' } });
    expect(failed.statusCode).toBe(503);
    const bound = await app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT {n:UInt8} AS n', params: { n: '7' } } });
    expect(bound.json()).toEqual({ columns: [{ name: 'n', type: 'UInt8' }], rows: [[7]] });
    const badParams = await app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT 1', params: { n: 7 } } });
    expect(badParams.statusCode).toBe(400);
    const empty = await app.inject({ method: 'POST', url: '/v1/sql', payload: {} });
    expect(empty.statusCode).toBe(400);
    await app.close();
  });

  it('has no SQL endpoint without a store', async () => {
    const app = buildAdminServer({ logger: silent, registry: createMetricsRegistry(), readiness: () => [] });
    expect((await app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT 1' } })).statusCode).toBe(404);
    await app.close();
  });
});
