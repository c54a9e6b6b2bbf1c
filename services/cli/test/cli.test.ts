import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, freePort, runCli, spawnCli, waitForReady } from './cli-process.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'tracebar-cli-'));
// Test files run in parallel: the OTLP receivers take whatever ports are free.
const ANY_OTLP_PORT = { TRACEBAR_OTLP__GRPC__PORT: '0', TRACEBAR_OTLP__HTTP__PORT: '0' };

describe('tracebar up and sql, as processes', () => {
  const children: ReturnType<typeof spawnCli>[] = [];
  afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

  it('is ready within 30 s, answers sql while up and after it stopped, and drains on SIGTERM', async () => {
    const port = await freePort();
    const env = { TRACEBAR_DATA_DIR: dataDir, TRACEBAR_ADMIN__PORT: String(port), TRACEBAR_LOG_LEVEL: 'info', ...ANY_OTLP_PORT };
    const up = spawnCli(['up'], env);
    children.push(up);
    const exited = collect(up);
    const readyMs = await waitForReady(`http://127.0.0.1:${port}`, 30_000);
    expect(readyMs).toBeLessThan(30_000);

    const bound = await runCli(['sql', 'SELECT {tenant:String} AS tenant, {n:UInt32} + 1 AS next', '--param', 'tenant=acme', '-p', 'n=41', '--format', 'jsonl'], env);
    expect(bound).toMatchObject({ code: 0, stdout: `{"tenant":"acme","next":"42"}\n` }); // 64-bit integers come back as strings, exact

    const unknownColumn = await runCli(['sql', 'SELECT no_such_column'], env);
    expect(unknownColumn.code).toBe(1);
    expect(unknownColumn.stderr).toMatch(/^tracebar: query rejected: .*no_such_column/);

    const whileUp = await runCli(['sql', 'SELECT 1'], env);
    expect(whileUp).toMatchObject({ code: 0, stderr: '' });
    expect(whileUp.stdout.trim().split('\n').at(-1)?.trim()).toBe('1');

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^tracebar_bus_in_flight_bytes 0$/m);

    up.kill('SIGTERM');
    const result = await exited;
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['tracebar ready', 'shutting down: draining in-flight work', 'tracebar stopped']));
    expect(lines.every((line) => typeof line.level === 'string')).toBe(true);

    // Nothing listens now: the CLI opens the embedded store itself.
    const afterStop = await runCli(['sql', 'SELECT 1 AS one', '--format', 'jsonl'], env);
    expect(afterStop).toMatchObject({ code: 0, stdout: '{"one":1}\n' });
    const boundDirect = await runCli(['sql', 'SELECT {tenant:String} AS tenant', '--param', 'tenant=acme', '--format', 'jsonl'], env);
    expect(boundDirect).toMatchObject({ code: 0, stdout: '{"tenant":"acme"}\n' });
    const noValue = await runCli(['sql', 'SELECT 1', '--param', 'tenant'], env);
    expect(noValue.code).toBe(2);
  });

  it('refuses writes and reports bad SQL with exit code 1', async () => {
    const env = { TRACEBAR_DATA_DIR: dataDir, TRACEBAR_ADMIN__PORT: String(await freePort()) };
    const write = await runCli(['sql', 'CREATE TABLE t (x UInt8) ENGINE = Memory'], env);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/^tracebar: query rejected: .*read-only/);
    const bad = await runCli(['sql', 'SELEC 1'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Syntax error/);
  });
});

describe('tracebar up --validate', () => {
  it('accepts the shipped config', async () => {
    const result = await runCli(['up', '--validate'], {});
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^config ok \(.*config\/tracebar\.yaml\)\n$/) });
  });

  it('stops on a bad key with one message naming it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tracebar-bad-')), 'bad.yaml');
    writeFileSync(file, 'bus:\n  kind: rabbitmq\n');
    const result = await runCli(['up', '--validate', '--config', file], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`tracebar: invalid config: bus.kind: expected one of memory, kafka, got "rabbitmq" (${file})\n`);
  });

  it('names a bad environment override', async () => {
    const result = await runCli(['up', '--validate'], { TRACEBAR_ADMIN__PORT: 'high' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('tracebar: invalid config: admin.port: expected number, got "high" (TRACEBAR_ADMIN__PORT)\n');
  });

  it('rejects an unknown command with usage', async () => {
    const result = await runCli(['upp'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command: upp');
  });
});
