import { join } from 'node:path';
import type { ClickHouse } from '@tracebar/clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedQueries } from './support/queries-doc.js';
import { expectDocumentedQueries } from './support/query-expectations.js';
import { loadScenario } from './support/scenario-load.js';
import { count, makeTempDir, openStore, rows } from './support/store.js';

const temp = makeTempDir('queries');
let ch: ClickHouse;

beforeAll(async () => {
  ch = await openStore(join(temp.path, 'data'));
  await loadScenario(ch);
});

afterAll(async () => {
  await ch.close();
  temp.remove();
});

describe('docs/queries.md on chDB, over rows the sink wrote', () => {
  it('documents at least a dozen queries, each filtered by tenant', () => {
    const queries = documentedQueries();
    expect(queries.length).toBeGreaterThanOrEqual(12);
    for (const q of queries) expect(q.params, `query ${q.number}`).toContain('tenant');
  });

  it('the fixture holds the versions FINAL and the views exist for', async () => {
    expect(await count(ch, 'verdicts')).toBe(11); // a3 and a4 scored twice
    expect(await rows(ch, 'SELECT count() AS n FROM verdicts FINAL')).toEqual([{ n: '9' }]);
    expect(await count(ch, 'sessions', "session_key = 'a1'")).toBe(2);
    expect(await rows(ch, "SELECT revision FROM sessions_latest(tenant = 'acme') WHERE session_key = 'a1'")).toEqual([{ revision: 2 }]);
    expect(await rows(ch, "SELECT label_id FROM labels_current(tenant = 'acme') WHERE session_key = 'b2'")).toEqual([{ label_id: 'l3' }]);
  });

  it('every query parses, runs read-only and returns the expected rows', async () => {
    expect(await expectDocumentedQueries(ch)).toBeGreaterThanOrEqual(12);
  });
});
