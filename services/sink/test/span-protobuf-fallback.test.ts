// When the engine cannot use the span schema, spans still land: as RowBinary. A file of its own:
// the engine caches a schema per path for the life of the process, so this process must meet the
// spoiled file first.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryBus } from '@tracebar/bus';
import { afterAll, expect, it } from 'vitest';
import { spanStorageProtoFile } from '../src/rows/span-protobuf.js';
import { agentSpan, spanMessage } from './support/messages.js';
import { metricValue, startSink, testConfig, waitFor } from './support/sink-harness.js';
import { count, makeTempDir, openStore, rows } from './support/store.js';
import { topicSpecs } from './support/topics.js';

const temp = makeTempDir('protobuf-fallback');

afterAll(() => temp.remove());

it('inserts spans as RowBinary when the engine refuses the span schema', async () => {
  const store = await openStore(join(temp.path, 'data'));
  const bus = createMemoryBus();
  try {
    const config = testConfig({ topics: ['spans'] });
    await bus.ensureTopics(topicSpecs(config));
    const { sink, registry } = startSink(config, bus, store, { spanProtobufMinRows: 1 });
    await sink.start();
    // The sink wrote the schema at start; spoil it (the file exists, so it is not written again).
    writeFileSync(join(temp.path, 'data', 'format_schemas', spanStorageProtoFile), 'syntax = "proto3"; message SpanRecord { this is not protobuf }');
    const spans = Array.from({ length: 30 }, (_, i) => agentSpan({ sessionKey: 'broken', index: i }));
    await bus.publish(config.topics.spans.name, spans.map(spanMessage));
    await waitFor('every row', async () => (await count(store, 'spans')) === 30);
    expect(await metricValue(registry, 'tracebar_sink_transcoded_rows_total', { reason: 'refused' })).toBe(30);
    // Refused for good, not retried: the insert went on as RowBinary at once.
    expect(await metricValue(registry, 'tracebar_sink_retries_total')).toBe(0);
    expect(await rows(store, "SELECT count() AS n FROM spans WHERE session_key = 'broken' AND gen_ai_request_model != ''")).toEqual([{ n: '30' }]);
    await sink.shutdown(AbortSignal.timeout(10_000));
  } finally {
    await bus.close();
    await store.close();
  }
});
