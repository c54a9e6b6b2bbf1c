import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse, defaultMigrationsDir, runMigrations, type ClickHouse } from '@tracebar/clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadObjectives, ObjectiveConflictError, readRecordedObjectives, recordObjectives, type EvaluatorCatalog } from '../src/index.js';

const catalog: EvaluatorCatalog = new Map([['tool_failures', { version: 2, deterministic: true, params: z.strictObject({}).prefault({}) }]]);
const defaults = [{ id: 'tools', type: 'tool_failures', required: true, weight: 1 }];
const temp = mkdtempSync(path.join(tmpdir(), 'tracebar-objectives-table-'));
let ch: ClickHouse;

beforeAll(async () => {
  ch = await createClickHouse({ dataPath: path.join(temp, 'chdb'), database: 'objectives_test' });
  await runMigrations(ch, { dir: defaultMigrationsDir });
});
afterAll(async () => {
  await ch.close();
  rmSync(temp, { recursive: true, force: true });
});

function load(target: number) {
  const dir = mkdtempSync(path.join(temp, 'objectives-'));
  writeFileSync(path.join(dir, 'o.yaml'), `id: checkout\nversion: 1\nsla: { target: ${target} }\nevaluators: [{ id: tools, type: tool_failures }]\n`);
  return loadObjectives({ dir, evaluators: catalog, defaultEvaluators: defaults });
}

describe('objectives table', () => {
  it('records each version once, with its evaluators and hash', async () => {
    const set = load(0.9);
    expect(await recordObjectives(ch, set.all)).toEqual({ recorded: 2 });
    expect(await recordObjectives(ch, set.all)).toEqual({ recorded: 0 });
    const rows = await ch.client.query({ query: 'SELECT objective_id, version, content_hash, sla_target, evaluators FROM objectives FINAL ORDER BY objective_id', format: 'JSONEachRow' });
    const stored = await rows.json<{ objective_id: string; version: number; content_hash: string; sla_target: number; evaluators: unknown }>();
    expect(stored.map((r) => [r.objective_id, r.version, r.sla_target])).toEqual([
      ['checkout', 1, 0.9],
      ['default', 1, 0.9],
    ]);
    expect(stored[0]?.content_hash).toBe(set.active[0]?.contentHash);
    expect(stored[0]?.evaluators).toEqual([{ id: 'tools', type: 'tool_failures', version: 2, required: true, weight: 1 }]);
  });

  it('refuses changed content under a recorded version and writes nothing', async () => {
    const changed = load(0.8);
    await expect(recordObjectives(ch, changed.all)).rejects.toThrow(ObjectiveConflictError);
    await expect(recordObjectives(ch, changed.all)).rejects.toThrow(/objective checkout version 1 was recorded with content hash .*: changing an objective needs a new version/);
    const recorded = await readRecordedObjectives(ch, ['checkout']);
    expect(recorded.map((r) => r.content_hash)).toEqual([load(0.9).active[0]?.contentHash]);
  });
});
