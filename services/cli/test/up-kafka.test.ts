import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { Admin } from '@platformatic/kafka';
import { loadConfig } from '@tracebar/config';
import { createKafkaBus } from '@tracebar/bus';
import { topicCatalog } from '@tracebar/proto';
import { createLogger } from '@tracebar/runtime';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runUp } from '../src/commands/up.js';
import { topicSpecs } from '../src/components/bus-component.js';

const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

async function pollReady(url: string, timeoutMs = 30_000): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`);
    const answer = { status: response.status, body: (await response.json()) as unknown };
    if (answer.status === 200 || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('tracebar up on Kafka', () => {
  const suffix = `${Date.now()}-${process.pid}`;
  const admin = new Admin({ clientId: 'up-kafka-test', bootstrapBrokers: [inject('kafkaBrokers')] });
  afterAll(async () => {
    await admin.deleteTopics({ topics: Object.values(topicCatalog).map((entry) => `${entry.topic}-${suffix}`) }).catch(() => undefined);
    await admin.close();
  });

  it('creates its topics with the configured partitions and becomes ready', async () => {
    const env: NodeJS.ProcessEnv = {
      TRACEBAR_KAFKA_BROKERS: inject('kafkaBrokers'),
      TRACEBAR_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tracebar-up-kafka-')),
      TRACEBAR_ADMIN__PORT: '0',
      TRACEBAR_OTLP__GRPC__PORT: '0',
      TRACEBAR_OTLP__HTTP__PORT: '0',
    };
    for (const role of Object.keys(topicCatalog)) {
      const variable = role.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
      env[`TRACEBAR_TOPICS__${variable}__NAME`] = `${topicCatalog[role as keyof typeof topicCatalog].topic}-${suffix}`;
    }
    env.TRACEBAR_TOPICS__SPANS__PARTITIONS = '5';
    const { config } = loadConfig({ env, file: path.resolve(import.meta.dirname, '../../../config/tracebar.yaml') });
    expect(config.bus.kind).toBe('kafka');

    const stop = new AbortController();
    let adminUrl = '';
    let readyz: { status: number; body: unknown } | undefined;
    const exited = runUp({
      config,
      configFile: undefined,
      signals: new EventEmitter(),
      logger: silent,
      stop: stop.signal,
      forceExit: () => undefined,
      onReady: (info) => {
        adminUrl = info.adminUrl;
        // Consumers join their groups after start returns: ready once they have partitions.
        void pollReady(adminUrl)
          .then((answer) => (readyz = answer))
          .finally(() => stop.abort());
      },
    });
    expect(await exited).toBe(0);
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(readyz).toEqual({
      status: 200,
      body: { status: 'ready', checks: { startup: { ready: true }, store: { ready: true }, bus: { ready: true }, sink: { ready: true }, scorer: { ready: true }, sessionizer: { ready: true }, ingest: { ready: true } } },
    });

    const bus = createKafkaBus({ brokers: [inject('kafkaBrokers')] });
    try {
      const partitions = await Promise.all(Object.entries(topicCatalog).map(([role, entry]) => bus.partitions(`${entry.topic}-${suffix}`).then((count) => [role, count])));
      expect(Object.fromEntries(partitions)).toEqual({ spans: 5, sessions: 12, scores: 12, review: 3, alerts: 1, labels: 3, deadLetter: 1 });
      // A second start finds every topic as configured: nothing to create, nothing differs.
      expect(await bus.ensureTopics(topicSpecs(config))).toEqual({ created: [], increased: [], differences: [] });
    } finally {
      await bus.close();
    }
  });
});

describe('config defaults and the wire-format catalog', () => {
  it('name the same topics', () => {
    const { config } = loadConfig({ env: {}, file: path.resolve(import.meta.dirname, '../../../config/tracebar.yaml') });
    for (const [role, entry] of Object.entries(topicCatalog)) {
      expect(config.topics[role as keyof typeof config.topics].name, role).toBe(entry.topic);
    }
  });
});
