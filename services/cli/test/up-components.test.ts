import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli-error.js';
import { parseComponentList } from '../src/commands/components.js';
import { runUpCommand, type UpCommandOptions } from '../src/commands/up-command.js';
import { runCli } from './cli-process.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'tracebar-components-'));
// Never inherit a broker from the environment: these runs are about the in-process bus.
const MEMORY_BUS = { TRACEBAR_DATA_DIR: dataDir, TRACEBAR_KAFKA_BROKERS: undefined };

describe('--components', () => {
  it('takes known names in any order and returns them in start order (consumers first, receivers last)', () => {
    expect(parseComponentList('ingest,sessionizer')).toEqual(['sessionizer', 'ingest']);
    expect(parseComponentList(' ingest , sink,scorer,sessionizer,ingest')).toEqual(['sink', 'scorer', 'sessionizer', 'ingest']);
  });

  it('names what it does not know, and the names it knows', () => {
    expect(() => parseComponentList('ingest,sessionizr')).toThrow(new UsageError('--components takes a comma-separated list of sink, scorer, sessionizer, ingest; unknown: sessionizr'));
    expect(() => parseComponentList('ingest,')).toThrow(/unknown: \(empty\)$/);
  });
});

describe('choosing components before anything starts', () => {
  let written = '';
  const base = (over: Partial<UpCommandOptions>): UpCommandOptions => ({
    command: 'up',
    args: [],
    configFile: undefined,
    components: undefined,
    validate: true,
    env: { TRACEBAR_DATA_DIR: dataDir },
    signals: new EventEmitter(),
    forceExit: () => undefined,
    write: (text) => (written += text),
    ...over,
  });

  it('accepts every component on the in-process bus (that is embedded mode), and one service on Kafka', async () => {
    written = '';
    expect(await runUpCommand(base({ components: 'ingest,sessionizer,scorer,sink' }))).toBe(0);
    expect(written).toMatch(/^config ok \(.*\)\n$/);
    expect(await runUpCommand(base({ command: 'sessionizer', env: { TRACEBAR_DATA_DIR: dataDir, TRACEBAR_KAFKA_BROKERS: '127.0.0.1:9' } }))).toBe(0);
  });

  it('refuses part of the pipeline on the in-process bus, a stray argument, and --components with a service', async () => {
    await expect(runUpCommand(base({ components: 'ingest,sessionizer' }))).rejects.toThrow(/tracebar up runs part of the pipeline \(sessionizer, ingest\), but the in-process bus cannot be shared between processes/);
    await expect(runUpCommand(base({ command: 'scorer', args: ['now'] }))).rejects.toThrow(new UsageError('scorer takes no arguments, got: now'));
    await expect(runUpCommand(base({ command: 'sink', components: 'sink', env: { TRACEBAR_KAFKA_BROKERS: '127.0.0.1:9' } }))).rejects.toThrow(/--components goes with up/);
  });
});

describe('tracebar <service> as a process', () => {
  it('exits 2 at start on the in-process bus, telling the user to set TRACEBAR_KAFKA_BROKERS', async () => {
    const result = await runCli(['sessionizer'], MEMORY_BUS);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tracebar: tracebar sessionizer runs part of the pipeline \(sessionizer\), but the in-process bus cannot be shared between processes\. Set TRACEBAR_KAFKA_BROKERS=/);
    expect(result.stderr).toContain('`tracebar up` (embedded mode)');
  }, 60_000);

  it('exits 2 on an unknown component name', async () => {
    const result = await runCli(['up', '--components', 'ingest,scorers'], MEMORY_BUS);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tracebar: --components takes a comma-separated list of sink, scorer, sessionizer, ingest; unknown: scorers\n/);
  }, 60_000);
});
