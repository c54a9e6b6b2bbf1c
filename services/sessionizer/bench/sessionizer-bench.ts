// Sessionizer benchmark (`npm run bench -w @tracebar/sessionizer`): spans per CPU-second and
// memory per open session relative to span payload, with BENCH_SESSIONS open sessions (10k) of
// BENCH_SPANS spans (30) at a time. BENCH_GENERATIONS (3) generations of sessions run one
// after another, as a steady stream would: the first starts cold, later ones reuse the memory
// of the ones before. Fed to the core directly, then to the component through the in-process bus.
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryBus, partitionFor } from '@tracebar/bus';
import { configSchema } from '@tracebar/config';
import { encodeSpanRecord, toLong, type ISpanRecord } from '@tracebar/proto';
import { createLogger, createMetricsRegistry } from '@tracebar/runtime';
import { createSessionizer, createSessionizerCore, resolveSettings, type CoreRecord } from '../src/index.js';

const sessions = Number(process.env.BENCH_SESSIONS ?? 10_000);
const spansPerSession = Number(process.env.BENCH_SPANS ?? 30);
const generations = Number(process.env.BENCH_GENERATIONS ?? 3);
/** Through the bus every span is published first and held by the in-process bus: fewer generations. */
const busGenerations = Number(process.env.BENCH_BUS_GENERATIONS ?? 1);
const partitions = 12;
const T0 = 1_749_945_600_000n * 1_000_000n;
const MS = 1_000_000n;
/** Processing time between two spans of the stream. */
const SPAN_GAP_MS = 0.05;
/** Between generations: past the idle gap and the revision window, so the previous one is forgotten. */
const GENERATION_GAP_MS = 8 * 60_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function text(length: number, seed: number): string {
  let s = '';
  while (s.length < length) s += `lorem ipsum ${seed} dolor sit amet, consectetur adipiscing elit; `;
  return s.slice(0, length);
}

/** Span `index` of an agent session: a root agent span, then LLM calls and tool calls in turn. */
function span(key: string, session: number, index: number, receivedMs: number): ISpanRecord {
  const start = T0 + BigInt(Math.round(receivedMs)) * MS;
  const stringValues: Record<string, string> = { 'session.id': key };
  for (let k = 0; k < 12; k++) stringValues[`app.attr.${k}`] = `value-${k}-${index}`;
  const role = index === 0 ? 'agent' : index % 2 === 1 ? 'llm' : 'tool';
  const record: ISpanRecord = {
    tenant: 'default',
    sessionKey: key,
    sessionKeySource: 1,
    traceId: session.toString(16).padStart(32, '0'),
    spanId: ((session * 100 + index) >>> 0).toString(16).padStart(16, '0'),
    parentSpanId: index === 0 ? '' : (session * 100).toString(16).padStart(16, '0'),
    name: role === 'llm' ? 'chat gpt-4o-mini' : role === 'tool' ? 'execute_tool search_flights' : 'invoke_agent booking',
    kind: role === 'llm' ? 3 : 1,
    startTimeUnixNano: toLong(start),
    endTimeUnixNano: toLong(start + 800n * MS),
    statusCode: 1,
    serviceName: 'booking-agent',
    serviceVersion: '1.4.2',
    attributes: { stringValues, intValues: { 'http.response.status_code': toLong(200) }, doubleValues: { 'gen_ai.request.temperature': 0.2 } },
    resourceAttributes: { stringValues: { 'service.name': 'booking-agent', 'service.version': '1.4.2', 'host.name': 'bench-host' } },
    events: [{ timeUnixNano: toLong(start + 10n), name: 'gen_ai.choice', attributes: { intValues: { index: toLong(0) } } }],
    receivedTimeUnixNano: toLong(T0 + BigInt(Math.round(receivedMs * 1_000)) * 1_000n),
  };
  if (role === 'agent') {
    record.genAi = { operationName: 'invoke_agent', agentName: 'booking', inputValue: text(400, session), outputValue: text(300, session + 1) };
  } else if (role === 'llm') {
    record.genAi = {
      operationName: 'chat',
      requestModel: 'gpt-4o-mini',
      inputTokens: toLong(1234 + index),
      outputTokens: toLong(321),
      inputMessages: [
        { role: 'system', content: 'You are a booking agent. Be brief.' },
        { role: 'user', content: text(400, session) },
      ],
      outputMessages: [{ role: 'assistant', content: text(300, index), toolCalls: [{ id: `call_${index}`, name: 'search_flights', arguments: '{"from":"SFO","to":"JFK"}' }] }],
    };
  } else {
    record.genAi = { operationName: 'execute_tool', toolName: 'search_flights', toolCallId: `call_${index - 1}`, toolCallArguments: '{"from":"SFO","to":"JFK"}', toolCallResult: text(300, index) };
  }
  return record;
}

/**
 * One partition's records of a generation, packed like a fetch response: one buffer of span
 * bytes and the boundaries, so the benchmark's own input is not a million live objects that
 * every garbage collection would have to walk.
 */
interface PackedRecords {
  bytes: Buffer;
  ends: Uint32Array;
  keyIndex: Uint32Array;
  keys: Buffer[];
  firstOffset: number;
}

interface Generation {
  /** Per partition: the generation's spans, interleaved across sessions. */
  spans: PackedRecords[];
  /** Per partition: one span two minutes later, which makes every session there idle. */
  closers: CoreRecord[][];
  payloadBytes: number;
}

function* batches(packed: PackedRecords, size: number): Generator<CoreRecord[]> {
  let start = 0;
  for (let i = 0; i < packed.ends.length; i += size) {
    const batch: CoreRecord[] = [];
    for (let j = i; j < Math.min(i + size, packed.ends.length); j++) {
      const end = packed.ends[j] as number;
      batch.push({ offset: packed.firstOffset + j, key: packed.keys[packed.keyIndex[j] as number] as Buffer, value: packed.bytes.subarray(start, end), timestamp: 0 });
      start = end;
    }
    yield batch;
  }
}

function closerKey(partition: number): Buffer {
  for (let k = 0; ; k++) {
    const key = Buffer.from(`default/closer-${k}`);
    if (partitionFor(key, partitions) === partition) return key;
  }
}

const offsets = new Array<number>(partitions).fill(0);
const closerKeys = Array.from({ length: partitions }, (_, p) => closerKey(p));
let clockMs = 0;

function buildGeneration(g: number): Generation {
  const chunks: Buffer[][] = Array.from({ length: partitions }, () => []);
  const ends: number[][] = Array.from({ length: partitions }, () => []);
  const keyIndex: number[][] = Array.from({ length: partitions }, () => []);
  const sizes = new Array<number>(partitions).fill(0);
  const keys = Array.from({ length: sessions }, (_, s) => `g${g}-sess-${s.toString().padStart(6, '0')}`);
  const keyBytes = keys.map((key) => Buffer.from(`default/${key}`));
  const parts = keyBytes.map((key) => partitionFor(key, partitions));
  let payloadBytes = 0;
  for (let round = 0; round < spansPerSession; round++) {
    for (let s = 0; s < sessions; s++) {
      const value = Buffer.from(encodeSpanRecord(span(keys[s] as string, g * sessions + s, round, clockMs)));
      clockMs += SPAN_GAP_MS;
      payloadBytes += value.length;
      const p = parts[s] as number;
      (chunks[p] as Buffer[]).push(value);
      sizes[p] = (sizes[p] as number) + value.length;
      (ends[p] as number[]).push(sizes[p] as number);
      (keyIndex[p] as number[]).push(s);
    }
  }
  const spans = chunks.map((list, p) => {
    const packed: PackedRecords = { bytes: Buffer.concat(list), ends: Uint32Array.from(ends[p] as number[]), keyIndex: Uint32Array.from(keyIndex[p] as number[]), keys: keyBytes, firstOffset: offsets[p] as number };
    offsets[p] = (offsets[p] as number) + list.length;
    return packed;
  });
  const closers = closerKeys.map((key, p) => {
    const value = Buffer.from(encodeSpanRecord({ ...span(`closer-${p}`, 0, 0, clockMs + 120_000), genAi: undefined }));
    const offset = offsets[p] as number;
    offsets[p] = offset + 1;
    return [{ offset, key, value, timestamp: 0 }];
  });
  clockMs += GENERATION_GAP_MS;
  return { spans, closers, payloadBytes };
}

/** Garbage collection pauses (ms) since start, to show how much of a phase they are. */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** Lets the observer deliver the GC entries of a phase that just ran. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function cpuMs(since: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1_000;
}

/** JS heap plus ArrayBuffer memory after full collections (ArrayBuffers are freed by a concurrent sweeper: give it time). */
async function heldMemory(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const usage = process.memoryUsage();
  if (process.env.BENCH_DEBUG) console.log({ heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers });
  return usage.heapUsed + usage.arrayBuffers;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const config = configSchema.parse({
  sessionizer: { maxOpenSessions: 1_000_000, maxOpenBytes: '4GiB' },
  topics: { spans: { partitions }, sessions: { partitions } },
  bus: { maxInFlightBytes: '256MiB', memory: { maxPartitionBytes: '2GiB', maxPartitionMessages: 1_000_000 } },
});

async function coreRun(): Promise<void> {
  const core = createSessionizerCore(resolveSettings(config));
  for (let p = 0; p < partitions; p++) core.assign(p, 0);
  const spans = sessions * spansPerSession;
  console.log(`core, fed directly (${partitions} partitions, batches of 500):`);
  let steadyCpu = 0;
  let steadyAbsorb = 0;
  // Everything the core holds (open sessions, chunks waiting for reuse, closed sessions kept
  // for revisions) is measured against this, with the generation's own input taken out.
  const baseline = await heldMemory();
  for (let g = 0; g < generations; g++) {
    const generation = buildGeneration(g);
    // The generation's own input, packed: its buffers (and the key buffers, small).
    const input = generation.spans.reduce((sum, p) => sum + p.bytes.length + p.ends.byteLength + p.keyIndex.byteLength, 0);
    await settle(); // building the input collected garbage too: not the core's
    const gc0 = gcMs;
    const cpu0 = process.cpuUsage();
    const { spans: packed, closers, payloadBytes } = generation;
    for (let p = 0; p < partitions; p++) {
      for (const batch of batches(packed[p] as PackedRecords, 500)) core.absorb(p, batch, 0);
    }
    const absorbMs = cpuMs(cpu0);
    await settle();
    const absorbGc = gcMs - gc0;
    const held = (await heldMemory()) - input - baseline;
    const open = core.stats().openSessions;
    if (process.env.BENCH_DEBUG) console.log(core.stats());
    await settle();
    const gc1 = gcMs;
    const cpu1 = process.cpuUsage();
    let emitted = 0;
    let recordBytes = 0;
    for (let p = 0; p < partitions; p++) {
      core.absorb(p, closers[p] as CoreRecord[], 0);
      for (const emission of core.takeEmissions()) {
        emitted++;
        for (const value of emission.values) recordBytes += value.length;
      }
    }
    const closeMs = cpuMs(cpu1);
    await settle();
    const closeGc = gcMs - gc1;
    if (g > 0) {
      steadyCpu += absorbMs + closeMs;
      steadyAbsorb += absorbMs;
    }
    console.log(
      `  generation ${g}${g === 0 ? ' (cold)' : ''}: absorb ${fmt(spans)} spans ${absorbMs.toFixed(0)} ms CPU (${((absorbMs * 1_000) / spans).toFixed(2)} µs/span, GC pauses ${absorbGc.toFixed(0)} ms); ` +
        `close, assemble, encode ${fmt(emitted)} sessions ${closeMs.toFixed(0)} ms (${((closeMs * 1_000) / spans).toFixed(2)} µs/span, GC pauses ${closeGc.toFixed(0)} ms), ${(recordBytes / 1_048_576).toFixed(0)} MiB of records; ` +
        `${fmt(spans / ((absorbMs + closeMs) / 1_000))} spans/CPU-s`,
    );
    console.log(
      `    with ${fmt(open)} open sessions: ${(held / 1_048_576).toFixed(0)} MiB held for ${(payloadBytes / 1_048_576).toFixed(0)} MiB of span payload = ${(held / payloadBytes).toFixed(3)}x ` +
        `(${((held / open) / 1_024).toFixed(1)} KiB per session for ${((payloadBytes / sessions) / 1_024).toFixed(1)} KiB of spans)`,
    );
  }
  if (generations > 1) {
    const total = spans * (generations - 1);
    console.log(
      `  steady state (generations 1-${generations - 1}): hot path (absorb) ${fmt(total / (steadyAbsorb / 1_000))} spans per CPU-second; ` +
        `whole path (absorb, close, assemble, encode) ${fmt(total / (steadyCpu / 1_000))} spans per CPU-second`,
    );
  }
}

async function busRun(): Promise<void> {
  offsets.fill(0);
  clockMs = 0;
  const bus = createMemoryBus({ maxInFlightBytes: config.bus.maxInFlightBytes, maxPartitionBytes: config.bus.memory.maxPartitionBytes, maxPartitionMessages: config.bus.memory.maxPartitionMessages });
  await bus.ensureTopics([
    { name: config.topics.spans.name, partitions, retentionMs: 3_600_000, maxMessageBytes: config.topics.spans.maxMessageBytes },
    { name: config.topics.sessions.name, partitions, retentionMs: 3_600_000, maxMessageBytes: config.topics.sessions.maxMessageBytes },
  ]);
  // The groups exist before the spans are published, so the in-process bus keeps them for both.
  const placeholder = await bus.subscribe({ group: config.sessionizer.consumerGroup, topics: [config.topics.spans.name], handler: () => new Promise(() => undefined) });
  void placeholder.close();
  let received = 0;
  const reader = await bus.subscribe({
    group: 'bench-reader',
    topics: [config.topics.sessions.name],
    handler: async (batch) => {
      // Counted, not decoded: every session here fits one record.
      received += batch.records.length;
      await reader.commit([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }]);
    },
  });
  const publish0 = process.cpuUsage();
  for (let g = 0; g < busGenerations; g++) {
    const generation = buildGeneration(g);
    for (let p = 0; p < partitions; p++) {
      for (const batch of batches(generation.spans[p] as PackedRecords, 1_000)) {
        // The in-process bus keeps what it is given: give it copies, not views of the packed input.
        await bus.publish(config.topics.spans.name, batch.map((r) => ({ key: r.key, value: Buffer.from(r.value) })));
      }
      await bus.publish(config.topics.spans.name, (generation.closers[p] as CoreRecord[]).map((r) => ({ key: r.key, value: r.value })));
    }
  }
  const publishMs = cpuMs(publish0);
  // The closer sessions (one per partition and generation) are still open at the end.
  const expected = sessions * busGenerations;
  const sessionizer = createSessionizer({ config, bus, logger: createLogger({ name: 'bench', level: 'warn' }), registry: createMetricsRegistry() });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await sessionizer.start();
  while (received < expected) await new Promise((resolve) => setTimeout(resolve, 2));
  const cpu = cpuMs(cpu0);
  const wall = performance.now() - wall0;
  const spans = expected * spansPerSession;
  console.log('component on the in-process bus (one process; spans published beforehand):');
  console.log(
    `  ${fmt(spans)} spans -> ${fmt(received)} sessions: ${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall => ${fmt(spans / (cpu / 1_000))} spans per CPU-second ` +
      `(consume, sessionize, publish the sessions, a reader counting them); publishing the spans beforehand took another ${publishMs.toFixed(0)} ms`,
  );
  await sessionizer.shutdown(AbortSignal.timeout(10_000));
  await bus.close();
}

console.log(
  `node ${process.version}, ${process.platform}/${process.arch}; ${generations} generations of ${fmt(sessions)} sessions x ${spansPerSession} spans; ` +
    `idle gap ${config.sessionizer.idleGapMs} ms, lateness ${config.sessionizer.allowedLatenessMs} ms`,
);
if (!process.env.BENCH_SKIP_CORE) await coreRun();
gc();
if (!process.env.BENCH_SKIP_BUS) await busRun();
