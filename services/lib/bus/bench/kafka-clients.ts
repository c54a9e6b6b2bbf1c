/**
 * kafkajs 2.2.4 against @platformatic/kafka on the local broker, with the workload the bus
 * carries: span-sized values (~1.5 KiB of random bytes, like protobuf), keyed over many
 * sessions, acks=all with the idempotent producer, batches of 500.
 *
 *   npm run bench -w @tracebar/bus                  both clients and the bus, one child process each
 *   BENCH_MESSAGES=200000 npm run bench -w @tracebar/bus
 *
 * The third run ('bus') is this package's Kafka bus on the same workload: it sends one produce
 * request at a time and packs concurrent publishes into it.
 *
 * Starts the local broker (deploy/local/kafka.sh) unless BENCH_BROKERS names one;
 * BENCH_CLIENTS picks runs (kafkajs,platformatic,bus).
 * Each client runs in its own process so CPU time and GC are its own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const brokers = (process.env.BENCH_BROKERS ?? '127.0.0.1:9092').split(',');
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const total = Number(process.env.BENCH_MESSAGES ?? 100_000);
const valueBytes = Number(process.env.BENCH_VALUE_BYTES ?? 1536);
const batchSize = Number(process.env.BENCH_BATCH ?? 500);
const partitions = Number(process.env.BENCH_PARTITIONS ?? 6);
const keys = Number(process.env.BENCH_KEYS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);

type ClientName = 'kafkajs' | 'platformatic' | 'bus';

interface PhaseResult {
  messages: number;
  /** Batches whose send rejected (their messages are not counted as produced). */
  failedBatches?: number;
  firstError?: string;
  seconds: number;
  cpuMs: number;
  latenciesMs?: number[];
}

interface ClientResult {
  client: ClientName;
  version: string;
  produceSerial: PhaseResult;
  produceConcurrent: PhaseResult;
  consume: PhaseResult;
  correctness: string[];
}

/** Value: 8-byte message id, 4-byte per-key sequence, then random bytes. */
function makeMessages(count: number, firstId: number, sequences: Map<number, number>): { key: Buffer; value: Buffer }[] {
  const pool = randomBytes(valueBytes * 64);
  const out: { key: Buffer; value: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    const keyIndex = (id * 7919) % keys;
    const seq = sequences.get(keyIndex) ?? 0;
    sequences.set(keyIndex, seq + 1);
    const value = Buffer.allocUnsafe(valueBytes);
    pool.copy(value, 0, (id % 63) * valueBytes, (id % 63) * valueBytes + valueBytes);
    value.writeBigUInt64BE(BigInt(id), 0);
    value.writeUInt32BE(seq, 8);
    out.push({ key: Buffer.from(`tenant-1/session-${keyIndex}`), value });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface ProduceOutcome {
  latencies: number[];
  failedBatches: number;
  failedMessages: number;
  failedIds: number[];
  firstError?: string;
}

async function timed(run: () => Promise<ProduceOutcome | void>, messages: number): Promise<PhaseResult> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const outcome = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  if (!outcome) return { messages, seconds, cpuMs: (used.user + used.system) / 1000 };
  for (const id of outcome.failedIds) failed.add(id);
  return {
    messages: messages - outcome.failedMessages,
    seconds,
    cpuMs: (used.user + used.system) / 1000,
    latenciesMs: outcome.latencies,
    failedBatches: outcome.failedBatches,
    ...(outcome.firstError ? { firstError: outcome.firstError } : {}),
  };
}

/** Ids whose batch send rejected: not expected on the topic. */
const failed = new Set<number>();

/** Sends `count` messages in batches, `inFlight` batches at a time; returns each batch's ack latency. */
async function produce(send: (batch: { key: Buffer; value: Buffer }[]) => Promise<void>, count: number, firstId: number, inFlight: number, sequences: Map<number, number>): Promise<ProduceOutcome> {
  const outcome: ProduceOutcome = { latencies: [], failedBatches: 0, failedMessages: 0, failedIds: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const size = Math.min(batchSize, count - next);
      const start = firstId + next;
      const batch = makeMessages(size, start, sequences);
      next += size;
      const started = performance.now();
      try {
        await send(batch);
        outcome.latencies.push(performance.now() - started);
      } catch (error) {
        outcome.failedBatches++;
        outcome.failedMessages += size;
        for (let id = start; id < start + size; id++) outcome.failedIds.push(id);
        outcome.firstError ??= describe(error);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return outcome;
}

function describe(error: unknown): string {
  const inner = (error as { errors?: { message?: string; response?: { responses?: { partitionResponses?: { errorCode: number }[] }[] } }[] }).errors?.[0];
  const codes = new Set(inner?.response?.responses?.flatMap((r) => r.partitionResponses?.map((p) => p.errorCode) ?? []) ?? []);
  const message = error instanceof Error ? error.message : String(error);
  return codes.size ? `${message} (${inner?.message ?? ''}; broker error codes ${[...codes].join(',')})` : message;
}

/** Checks what a consumer saw: every id once, each key's sequence in order. */
function checker(): { see: (partition: number, value: Buffer) => void; report: (expected: number) => string[] } {
  const seen = new Uint8Array(total * 2);
  const lastSeq = new Map<string, number>();
  let duplicates = 0;
  let outOfOrder = 0;
  return {
    see(partition, value) {
      const id = Number(value.readBigUInt64BE(0));
      const seq = value.readUInt32BE(8);
      if (seen[id]) duplicates++;
      seen[id] = 1;
      // Batches in flight together have no order between them; check order on the serial half.
      if (id >= Math.floor(total / 2)) return;
      const keyIndex = (id * 7919) % keys;
      const key = `${partition}/${keyIndex}`;
      const prev = lastSeq.get(key) ?? -1;
      if (seq !== prev + 1) outOfOrder++;
      lastSeq.set(key, seq);
    },
    report(expected) {
      const issues: string[] = [];
      let missing = 0;
      let landedDespiteError = 0;
      for (let id = 0; id < expected; id++) {
        if (failed.has(id)) {
          if (seen[id]) landedDespiteError++;
        } else if (!seen[id]) missing++;
      }
      if (failed.size) issues.push(`${failed.size} messages in batches whose send failed (${landedDespiteError} of them on the topic anyway)`);
      if (missing) issues.push(`${missing} acknowledged messages missing`);
      if (duplicates) issues.push(`${duplicates} duplicates`);
      if (outOfOrder) issues.push(`${outOfOrder} per-key order breaks (messages of one key on one partition out of sequence)`);
      return issues;
    },
  };
}

async function runKafkajs(topic: string): Promise<Omit<ClientResult, 'client' | 'version'>> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const sequences = new Map<number, number>();
  const send = async (batch: { key: Buffer; value: Buffer }[]): Promise<void> => {
    await producer.send({ topic, acks: -1, messages: batch });
  };
  await produce(send, batchSize, total, 1, new Map()); // warm-up batch (ids beyond the checked range)
  const half = Math.floor(total / 2);
  const produceSerial = await timed(() => produce(send, half, 0, 1, sequences), half);
  const produceConcurrent = await timed(() => produce(send, total - half, half, concurrency, sequences), total - half);
  await producer.disconnect();

  const check = checker();
  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const expected = await endOffsetSum(topic);
  let consumed = 0;
  const consume = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                if (message.value) {
                  const id = Number(message.value.readBigUInt64BE(0));
                  if (id < total) check.see(batch.partition, message.value);
                }
                consumed++;
              }
              if (consumed >= expected) resolve();
            },
          })
          .catch(reject);
      }),
    expected,
  );
  await consumer.disconnect();
  return { produceSerial, produceConcurrent, consume, correctness: check.report(total) };
}

async function runPlatformatic(topic: string): Promise<Omit<ClientResult, 'client' | 'version'>> {
  const { Admin, Consumer, Producer, MessagesStreamModes } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  await admin.close();
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: brokers, idempotent: true, autocreateTopics: false });
  const sequences = new Map<number, number>();
  const send = async (batch: { key: Buffer; value: Buffer }[]): Promise<void> => {
    await producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value })) });
  };
  await produce(send, batchSize, total, 1, new Map());
  const half = Math.floor(total / 2);
  const produceSerial = await timed(() => produce(send, half, 0, 1, sequences), half);
  const produceConcurrent = await timed(() => produce(send, total - half, half, concurrency, sequences), total - half);
  await producer.close();

  const check = checker();
  const consumer = new Consumer({ clientId: 'bench', bootstrapBrokers: brokers, groupId: `${topic}-g`, maxWaitTime: 200, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const expected = await endOffsetSum(topic);
  let consumed = 0;
  const consume = await timed(async () => {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    for await (const message of stream) {
      const id = Number(message.value.readBigUInt64BE(0));
      if (id < total) check.see(message.partition, message.value);
      if (++consumed >= expected) break;
    }
    await stream.close();
  }, expected);
  await consumer.close();
  return { produceSerial, produceConcurrent, consume, correctness: check.report(total) };
}

/** Messages on the topic (its end offsets), so the consumer knows when it has read everything. */
async function endOffsetSum(topic: string): Promise<number> {
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'bench-offsets', bootstrapBrokers: brokers });
  const listed = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
  });
  await admin.close();
  return listed.flatMap((t) => t.partitions).reduce((sum, p) => sum + Number(p.offset), 0);
}

/** The same workload through this package's Kafka bus (createKafkaBus on @platformatic/kafka). */
async function runBus(topic: string): Promise<Omit<ClientResult, 'client' | 'version'>> {
  const { createKafkaBus } = await import('../src/index.js');
  const bus = createKafkaBus({ brokers, clientId: 'bench', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, fetchMaxWaitMs: 200 });
  await bus.ensureTopics([{ name: topic, partitions, retentionMs: 3_600_000, maxMessageBytes: 1_048_576 }]);
  const sequences = new Map<number, number>();
  const send = (batch: { key: Buffer; value: Buffer }[]): Promise<void> => bus.publish(topic, batch, { timeoutMs: 60_000 });
  await produce(send, batchSize, total, 1, new Map());
  const half = Math.floor(total / 2);
  const produceSerial = await timed(() => produce(send, half, 0, 1, sequences), half);
  const produceConcurrent = await timed(() => produce(send, total - half, half, concurrency, sequences), total - half);

  const check = checker();
  const expected = await endOffsetSum(topic);
  let consumed = 0;
  const consume = await timed(async () => {
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const consumer = await bus.subscribe({
      group: `${topic}-g`,
      topics: [topic],
      maxBatchRecords: 5_000,
      maxBatchBytes: 8 * 1_048_576,
      handler: (batch) => {
        for (const record of batch.records) {
          const id = Number(record.value.readBigUInt64BE(0));
          if (id < total) check.see(record.partition, record.value);
        }
        consumed += batch.records.length;
        if (consumed >= expected) done();
        return Promise.resolve();
      },
    });
    await finished;
    await consumer.close();
  }, expected);
  await bus.close();
  return { produceSerial, produceConcurrent, consume, correctness: check.report(total) };
}

function versionOf(name: string): string {
  // Read package.json beside the entry point: not every package exports './package.json'.
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || !dir.includes(name.replace('/', path.sep))) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

async function child(client: ClientName): Promise<void> {
  const topic = `bench.${client}.${Date.now()}`;
  const body = client === 'kafkajs' ? await runKafkajs(topic) : client === 'platformatic' ? await runPlatformatic(topic) : await runBus(topic);
  const version = client === 'kafkajs' ? versionOf('kafkajs') : `@platformatic/kafka ${versionOf('@platformatic/kafka')}`;
  process.stdout.write(`RESULT ${JSON.stringify({ client, version, ...body })}\n`);
  // Benchmark topics are large; drop them so repeated runs do not fill the disk.
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'bench-cleanup', bootstrapBrokers: brokers });
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.close();
}

function runChild(client: ClientName): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), client], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`${client} run failed (exit ${code}):\n${out}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as ClientResult);
    });
  });
}

function row(label: string, phase: PhaseResult): string {
  const rate = phase.messages / phase.seconds;
  const mb = (rate * valueBytes) / 1_048_576;
  const lat = phase.latenciesMs ? [...phase.latenciesMs].sort((a, b) => a - b) : [];
  const latency = lat.length ? `${percentile(lat, 50).toFixed(1)} / ${percentile(lat, 99).toFixed(1)}` : '-';
  const cpuPerMsg = (phase.cpuMs * 1000) / phase.messages;
  return `| ${label} | ${Math.round(rate).toLocaleString('en-US')} | ${mb.toFixed(1)} | ${latency} | ${cpuPerMsg.toFixed(1)} |`;
}

async function main(): Promise<void> {
  const only = process.argv[2] as ClientName | undefined;
  if (only) {
    await child(only);
    return;
  }
  const kafkaVersion = (() => {
    try {
      return execFileSync('sh', ['-c', 'ls deploy/local/.kafka/libs 2>/dev/null | grep -o "^kafka_2.13-[0-9.]*[0-9]" | head -1'], { cwd: repoRoot })
        .toString()
        .trim() || 'unknown';
    } catch {
      return 'unknown';
    }
  })();
  // Without BENCH_BROKERS, bring up the local broker the way the test setup does: under a lease,
  // so it is stopped afterwards only if this run started it.
  const lease = { ...process.env, KAFKA_LEASE: String(process.pid) };
  if (!process.env.BENCH_BROKERS) execFileSync(path.join(repoRoot, 'deploy/local/kafka.sh'), ['start'], { env: lease, stdio: 'inherit' });
  const results: ClientResult[] = [];
  const clients = (process.env.BENCH_CLIENTS ?? 'kafkajs,platformatic,bus').split(',') as ClientName[];
  try {
    for (const client of clients) results.push(await runChild(client));
  } finally {
    if (!process.env.BENCH_BROKERS) execFileSync(path.join(repoRoot, 'deploy/local/kafka.sh'), ['release'], { env: lease, stdio: 'inherit' });
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\nkafka client benchmark — ${new Date().toISOString()}`);
  console.log(
    `broker ${brokers.join(',')} (${kafkaVersion.replace('kafka_2.13-', 'Apache Kafka ')}, single node, local), node ${process.version}, ` +
      `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load avg before/after ${load}`,
  );
  console.log(
    `${total.toLocaleString('en-US')} messages per client: value ${valueBytes} B random + key ~24 B over ${keys.toLocaleString('en-US')} keys, ` +
      `batches of ${batchSize}, ${partitions} partitions, acks=all, idempotent producer (1 request in flight per connection), no compression; ` +
      `half sent one batch at a time, half ${concurrency} batches at a time; then read back by a consumer group from the start.`,
  );
  const titles: Record<ClientName, string> = { kafkajs: 'kafkajs', platformatic: '', bus: '@tracebar/bus createKafkaBus on' };
  for (const r of results) {
    console.log(`\n${[titles[r.client], r.version].filter(Boolean).join(' ')}`);
    console.log('| phase | msg/s | MB/s (values) | batch ack p50 / p99 ms | CPU µs/msg |');
    console.log('|---|---|---|---|---|');
    console.log(row('produce, 1 batch in flight', r.produceSerial));
    console.log(row(`produce, ${concurrency} batches in flight`, r.produceConcurrent));
    console.log(row('consume (group, from earliest)', r.consume));
    for (const [label, phase] of [['serial', r.produceSerial], ['concurrent', r.produceConcurrent]] as const) {
      if (phase.failedBatches) console.log(`${label} produce: ${phase.failedBatches} batches failed, first error: ${phase.firstError}`);
    }
    console.log(`correctness: ${r.correctness.length ? r.correctness.join('; ') : 'every message once, per-key order kept'}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
