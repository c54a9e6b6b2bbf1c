import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');

function withFile(content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tracebar-config-'));
  const file = path.join(dir, 'tracebar.yaml');
  writeFileSync(file, content);
  return file;
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the embedded defaults when no file exists', () => {
    const { config, file } = loadConfig({ cwd: mkdtempSync(path.join(tmpdir(), 'tracebar-empty-')), env: {} });
    expect(file).toBeUndefined();
    expect(config.bus.kind).toBe('memory');
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 13_133 });
    expect(config.otlp.grpc.port).toBe(4_317);
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.topics.spans.name).toBe('tracebar.spans.v1');
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('reads the shipped config/tracebar.yaml and it equals the defaults', () => {
    const shipped = loadConfig({ cwd: repoRoot, env: {} });
    const defaults = loadConfig({ cwd: repoRoot, env: {}, file: withFile('{}') });
    expect(shipped.file).toBe(path.join(repoRoot, 'config/tracebar.yaml'));
    expect({ ...shipped.config, dataDir: '' }).toEqual({ ...defaults.config, dataDir: '' });
  });

  it('parses the scale-out example in testdata', () => {
    const { config } = loadConfig({ file: path.resolve(here, '../testdata/kafka-server.yaml'), env: {} });
    expect(config.bus.kind).toBe('kafka');
    expect(config.bus.kafka.brokers).toEqual(['kafka-0:9092', 'kafka-1:9092']);
    expect(config.topics.spans).toMatchObject({ name: 'tracebar.spans.v1', partitions: 48, retentionMs: 86_400_000 });
    expect(config.topics.sessions.maxMessageBytes).toBe(8 * 1_048_576);
    expect(config.clickhouse.url).toBe('https://clickhouse.internal:8443');
  });

  it('accepts durations and sizes with units', () => {
    const { config } = loadConfig({
      file: withFile('bus: { maxInFlightBytes: 32MiB, publishTimeoutMs: 1.5s }\nshutdown: { timeoutMs: 2m }\n'),
      env: {},
    });
    expect(config.bus.maxInFlightBytes).toBe(32 * 1_048_576);
    expect(config.bus.publishTimeoutMs).toBe(1_500);
    expect(config.shutdown.timeoutMs).toBe(120_000);
  });

  it('returns a frozen config', () => {
    const { config } = loadConfig({ file: withFile('{}'), env: {} });
    expect(Object.isFrozen(config.bus.kafka.brokers)).toBe(true);
    expect(() => {
      (config.admin as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('environment overrides', () => {
  it('apply short names and nested TRACEBAR_<A>__<B> names over the file', () => {
    const { config } = loadConfig({
      file: withFile('admin: { port: 1000 }\n'),
      env: {
        TRACEBAR_ADMIN__PORT: '14000',
        TRACEBAR_KAFKA_BROKERS: 'a:9092, b:9093',
        TRACEBAR_CLICKHOUSE_URL: 'http://127.0.0.1:8123',
        TRACEBAR_CLICKHOUSE_PASSWORD: '1234',
        TRACEBAR_TOPICS__DEAD_LETTER__PARTITIONS: '4',
        TRACEBAR_BUS__MAX_IN_FLIGHT_BYTES: '8MiB',
        TRACEBAR_DATA_DIR: '/tmp/tracebar-data',
        TRACEBAR_TEST_KAFKA_BROKERS: 'ignored:1',
        HOME: '/root',
      },
    });
    expect(config.admin.port).toBe(14_000);
    expect(config.bus.kind).toBe('kafka');
    expect(config.bus.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.clickhouse.url).toBe('http://127.0.0.1:8123');
    expect(config.clickhouse.password).toBe('1234');
    expect(config.topics.deadLetter.partitions).toBe(4);
    expect(config.bus.maxInFlightBytes).toBe(8 * 1_048_576);
    expect(config.dataDir).toBe('/tmp/tracebar-data');
  });

  it('names an unknown variable', () => {
    const error = errorOf(() => loadConfig({ file: withFile('{}'), env: { TRACEBAR_ADMIN__PROT: '1' } }));
    expect(error.message).toBe(
      'invalid config: admin.prot: unknown key; expected one of host, port (or one of TRACEBAR_DATA_DIR, TRACEBAR_LOG_LEVEL, TRACEBAR_KAFKA_BROKERS, TRACEBAR_CLICKHOUSE_URL, TRACEBAR_CLICKHOUSE_USER, TRACEBAR_CLICKHOUSE_PASSWORD, TRACEBAR_CLICKHOUSE_DATABASE) (TRACEBAR_ADMIN__PROT)',
    );
  });

  it('names the variable a bad value came from', () => {
    const error = errorOf(() => loadConfig({ file: withFile('{}'), env: { TRACEBAR_ADMIN__PORT: 'eighty' } }));
    expect(error.issues).toEqual([{ key: 'admin.port', source: 'TRACEBAR_ADMIN__PORT', message: 'expected number, got "eighty"' }]);
  });
});

describe('bad config', () => {
  it('stops on an unknown key with one message naming it and the keys expected', () => {
    const file = withFile('bus:\n  kafka:\n    broker: [a:1]\n');
    const error = errorOf(() => loadConfig({ file, env: {} }));
    expect(error.message).toBe(
      `invalid config: bus.kafka.broker: unknown key; expected one of brokers, clientId, connectTimeoutMs, requestTimeoutMs, sessionTimeoutMs, heartbeatIntervalMs (${file})`,
    );
  });

  it('names the key and what was expected for a bad value', () => {
    const cases: [string, string, RegExp][] = [
      ['bus: { kind: rabbit }', 'bus.kind', /^expected one of memory, kafka, got "rabbit"$/],
      ['admin: { port: 70000 }', 'admin.port', /65535/],
      ['bus: { kafka: { brokers: [nohost] } }', 'bus.kafka.brokers[0]', /^expected host:port, got "nohost"$/],
      ['topics: { spans: { partitions: 0 } }', 'topics.spans.partitions', />=1/],
      ['shutdown: { timeoutMs: soon }', 'shutdown.timeoutMs', /expected a duration such as 500ms/],
      ['clickhouse: { url: "ftp://x" }', 'clickhouse.url', /expected an http\(s\) URL/],
      ['log: { level: loud }', 'log.level', /expected one of fatal, error/],
    ];
    for (const [yaml, key, message] of cases) {
      const error = errorOf(() => loadConfig({ file: withFile(yaml), env: {} }));
      expect(error.issues, yaml).toHaveLength(1);
      expect(error.issues[0]?.key, yaml).toBe(key);
      expect(error.issues[0]?.message, yaml).toMatch(message);
    }
  });

  it('reports invalid YAML and a missing named file', () => {
    expect(errorOf(() => loadConfig({ file: withFile('admin: [unclosed'), env: {} })).message).toMatch(/not valid YAML/);
    expect(errorOf(() => loadConfig({ file: '/nonexistent/tracebar.yaml', env: {} })).message).toBe(
      'invalid config: (file): config file not found (/nonexistent/tracebar.yaml)',
    );
  });

  it('lists every problem in one message', () => {
    const error = errorOf(() => loadConfig({ file: withFile('admin: { port: -1 }\nextra: 1\n'), env: {} }));
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(['admin.port', 'extra']);
    expect(error.message.split('\n')[0]).toBe('invalid config (2 problems):');
  });
});
