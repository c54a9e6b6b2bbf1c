import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildAdminServer, createLogger, createMetricsRegistry, type TailOptions, type TailTopic } from '../src/index.js';

const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** A tail source the test pushes lines into, recording what subscribed and whether it was closed. */
function fakeTopic() {
  const subscriptions: { topic: TailTopic; options: TailOptions; closed: boolean }[] = [];
  return {
    subscriptions,
    tail: (topic: TailTopic, options: TailOptions) => {
      const subscription = { topic, options, closed: false };
      subscriptions.push(subscription);
      return Promise.resolve(async () => {
        subscription.closed = true;
      });
    },
  };
}

async function readLines(response: Response, count: number): Promise<string[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.split('\n').length <= count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text.split('\n').slice(0, count);
}

describe('admin server: GET /v1/tail/<topic>', () => {
  it('streams the subscribed lines as NDJSON and ends the subscription when the client leaves', async () => {
    const source = fakeTopic();
    const app = buildAdminServer({ logger: silent, registry: createMetricsRegistry(), readiness: () => [], tail: source.tail });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${url}/v1/tail/review?from=beginning`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-ndjson');
      const subscription = source.subscriptions[0];
      expect(subscription?.topic).toBe('review');
      expect(subscription?.options.fromBeginning).toBe(true);
      subscription?.options.onLine('{"sessionKey":"a"}');
      subscription?.options.onLine('{"sessionKey":"b"}');
      expect(await readLines(response, 2)).toEqual(['{"sessionKey":"a"}', '{"sessionKey":"b"}']);
      await expect.poll(() => subscription?.closed, { timeout: 5_000 }).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('refuses other topics, bad from values, and answers 404 without a bus', async () => {
    const source = fakeTopic();
    const app = buildAdminServer({ logger: silent, registry: createMetricsRegistry(), readiness: () => [], tail: source.tail });
    expect((await app.inject('/v1/tail/spans')).statusCode).toBe(404);
    expect((await app.inject('/v1/tail/alerts?from=yesterday')).statusCode).toBe(400);
    expect(source.subscriptions).toHaveLength(0);
    await app.close();
    const bare = buildAdminServer({ logger: silent, registry: createMetricsRegistry(), readiness: () => [] });
    expect((await bare.inject('/v1/tail/review')).statusCode).toBe(404);
    await bare.close();
  });

  it('app.close() ends open streams instead of waiting for them', async () => {
    const source = fakeTopic();
    const app = buildAdminServer({ logger: silent, registry: createMetricsRegistry(), readiness: () => [], tail: source.tail });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${url}/v1/tail/alerts`);
    expect(response.status).toBe(200);
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(source.subscriptions[0]?.closed).toBe(true);
    expect(await response.text()).toBe('');
  });
});
