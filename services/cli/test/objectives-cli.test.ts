import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, freePort, runCli, spawnCli, waitForReady } from './cli-process.js';

const temp = mkdtempSync(path.join(tmpdir(), 'tracebar-objectives-cli-'));
const objective = (target: number) => `id: checkout\nversion: 1\nsla: { target: ${target} }\nevaluators:\n  - { id: tools, type: tool_failures }\n`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(temp, 'objectives-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('tracebar objectives', () => {
  const children: ReturnType<typeof spawnCli>[] = [];
  afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

  it('validates, lists and shows the shipped objectives', async () => {
    const env = { TRACEBAR_DATA_DIR: path.join(temp, 'none'), TRACEBAR_ADMIN__PORT: String(await freePort()) };
    const validate = await runCli(['objectives', 'validate'], env);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/^taxonomy version 1 \(.*taxonomy\.yaml\)$/m);
    expect(validate.stdout).toMatch(/^ok {2}example-support-agent@1 {2}[0-9a-f]{12} {2}.*example-support-agent\.yaml$/m);
    expect(validate.stdout).toMatch(/^ok {2}default@1 {2}[0-9a-f]{12} {2}built-in$/m);
    expect(validate.stdout).toMatch(/no store found: recorded versions not checked/);
    const list = await runCli(['objectives', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^example-support-agent +1 +yes +0\.85 +tools,constraints,drift,intent,shape\? +service=example-support-agent/m);
    const show = await runCli(['objectives', 'show', 'default'], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^ {2}- id: tool_failures\n {4}type: tool_failures\n {4}version: \d+/m);
    const unknown = await runCli(['objectives', 'show', 'nope'], env);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/no objective nope; known: .*default/);
  });

  it('names the file and key of every problem and exits 1', async () => {
    const dir = folder({ 'a.yaml': objective(1.5), 'b.yaml': 'id: b\nversion: 1\nsla: { target: 0.9 }\nevaluators: [{ id: t, type: made_up }]\n' });
    const result = await runCli(['objectives', 'validate'], { TRACEBAR_SCORER__OBJECTIVES_DIR: dir, TRACEBAR_DATA_DIR: path.join(temp, 'none') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/a\.yaml: sla\.target: /);
    expect(result.stderr).toMatch(/b\.yaml: evaluators\[0\]\.type: unknown evaluator type "made_up"; expected one of .*tool_failures/);
  });

  it('records the versions a running instance uses and refuses changed content under one of them', async () => {
    const dir = folder({ 'checkout.yaml': objective(0.9) });
    const port = await freePort();
    const env = {
      TRACEBAR_DATA_DIR: path.join(temp, 'data'),
      TRACEBAR_ADMIN__PORT: String(port),
      TRACEBAR_OTLP__GRPC__PORT: '0',
      TRACEBAR_OTLP__HTTP__PORT: '0',
      TRACEBAR_SCORER__OBJECTIVES_DIR: dir,
    };
    const up = spawnCli(['up'], env);
    children.push(up);
    const exited = collect(up);
    await waitForReady(`http://127.0.0.1:${port}`, 60_000);
    const recorded = await runCli(['sql', "SELECT objective_id, version FROM objectives FINAL ORDER BY objective_id", '--format', 'jsonl'], env);
    expect(recorded.stdout.trim().split('\n')).toEqual(['{"objective_id":"checkout","version":1}', '{"objective_id":"default","version":1}']);
    const same = await runCli(['objectives', 'validate'], env);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/recorded versions in the running instance: no conflict/);

    writeFileSync(path.join(dir, 'checkout.yaml'), objective(0.8));
    const changed = await runCli(['objectives', 'validate'], env);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/error: .*checkout\.yaml: objective checkout version 1 was recorded with content hash [0-9a-f]{12}…, the file now hashes to [0-9a-f]{12}…: changing an objective needs a new version/);
    up.kill('SIGTERM');
    expect((await exited).code).toBe(0);

    // The instance refuses to start on it too.
    const refused = await runCli(['up'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/changing an objective needs a new version/);
  });
});
