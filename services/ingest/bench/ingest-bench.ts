/**
 * End-to-end ingest benchmark: realistic agent spans (bench/agent-requests.ts: 100 spans a
 * request, ~20 attributes and ~1 KB of text each) over OTLP/HTTP protobuf and OTLP/gRPC into the
 * real broker (Kafka bus, acks=all, idempotent producer). The load generator is a child process,
 * so this process's CPU time (process.cpuUsage) is ingest's alone: receive, decode, normalize,
 * encode, publish, answer.
 *
 *   npm run bench -w @tracebar/ingest        (or npm run bench:ingest from the root)
 *
 * Environment: BENCH_SECONDS (10) per measured phase, BENCH_CONCURRENCY (8) requests in flight
 * at full speed, BENCH_RATE (5000) spans/s offered for the latency phase, BENCH_PROTOCOLS
 * (http,grpc; also http+gzip), BENCH_PROFILE=1 (or grpc) adds a CPU-profiled HTTP (gRPC) run and
 * prints where the time goes, BENCH_BROKERS to use a running broker (else deploy/local/kafka.sh starts one).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { createKafkaBus, createMemoryBus } from '@tracebar/bus';
import { configSchema } from '@tracebar/config';
import { createLogger, createMetricsRegistry } from '@tracebar/runtime';
import { idToHex, sessionRecordKey } from '@tracebar/proto';
import { createIngest, type Normalizer } from '../src/index.js';
import type { ReadyMessage, RunCommand, RunResult } from './load-generator.js';
import { summarizeProfile, topFunctions, type CpuProfile } from './profile-summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const offeredSpansPerSecond = Number(process.env.BENCH_RATE ?? 5_000);
const protocols = (process.env.BENCH_PROTOCOLS ?? 'http,grpc').split(',') as ('http' | 'http+gzip' | 'grpc')[];
// BENCH_PROFILE=1 (or http) profiles an HTTP/protobuf run, BENCH_PROFILE=grpc a gRPC one.
const profileProtocol = process.env.BENCH_PROFILE === 'grpc' ? 'grpc' : process.env.BENCH_PROFILE ? 'http' : undefined;
// BENCH_NORMALIZER=fixed swaps normalize+encode for a stub that keys each span and reuses one
// realistic 2.2 KB record: what is left is transport, decode and produce.
const fixedNormalizer = process.env.BENCH_NORMALIZER === 'fixed';
const busKind = process.env.BENCH_BUS === 'memory' ? 'memory' : 'kafka';
const brokersFromEnv = process.env.BENCH_BROKERS;
const brokers = (brokersFromEnv ?? '127.0.0.1:9092').split(',');
const lease = { ...process.env, KAFKA_LEASE: String(process.pid) };

interface Row {
  protocol: string;
  phase: string;
  spansPerSecond: number;
  spansPerCpuSecond: number;
  cpuPercent: number;
  /** Share of the CPU time spent in the kernel (sockets: loopback TCP to exporters and broker). */
  systemPercent: number;
  p50: number;
  p99: number;
  failures: string;
  /** Main-thread GC pauses during the phase: scavenges and mark-compacts (count, ms). */
  gc: string;
}

/** GC pauses seen by a PerformanceObserver (main-thread pause time; concurrent marking is not in it). */
function gcPauses(): { take(): string; stop(): void } {
  let minor = { count: 0, ms: 0 };
  let major = { count: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = entry.detail?.kind;
      const into = kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR || kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL ? major : minor;
      into.count++;
      into.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    take() {
      const text = `${minor.count} scav. ${Math.round(minor.ms)} ms, ${major.count} major ${Math.round(major.ms)} ms`;
      minor = { count: 0, ms: 0 };
      major = { count: 0, ms: 0 };
      return text;
    },
    stop: () => observer.disconnect(),
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** The version of a dependency as `fromPackage` resolves it (walks up from its entry point). */
function versionOf(name: string, fromPackage: string): string {
  const require = createRequire(path.join(repoRoot, fromPackage, 'package.json'));
  try {
    for (let dir = path.dirname(require.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
        if (pkg.name === name) return pkg.version;
      }
    }
  } catch {
    // fall through
  }
  return '?';
}

function stubNormalizer(): Normalizer {
  const record = Buffer.alloc(2_200, 7);
  return (request, context) => {
    const spans = [];
    for (const resourceSpans of request.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) spans.push({ key: sessionRecordKey(context.tenant, idToHex(span.traceId ?? new Uint8Array())), value: record });
      }
    }
    return { spans, rejectedSpans: 0, rejectionReasons: [], warnings: [], counts: { truncatedValues: 0, redactedValues: 0, droppedAttributes: 0 } };
  };
}

function startGenerator(settings: object): Promise<{ child: ChildProcess; ready: ReadyMessage }> {
  const child = fork(path.join(here, 'load-generator.ts'), [JSON.stringify(settings)], { execArgv: process.execArgv, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
    child.once('message', (message: ReadyMessage) => resolve({ child, ready: message }));
  });
}

function command(child: ChildProcess, run: RunCommand): Promise<RunResult> {
  return new Promise((resolve) => {
    child.once('message', (message: RunResult) => resolve(message));
    child.send(run);
  });
}

async function main(): Promise<void> {
  const localBroker = busKind === 'kafka' && !brokersFromEnv;
  if (localBroker) execFileSync(path.join(repoRoot, 'deploy/local/kafka.sh'), ['start'], { env: lease, stdio: 'inherit' });
  const topic = `bench.ingest.spans.${randomUUID().slice(0, 8)}`;
  const config = configSchema.parse({
    otlp: { grpc: { port: 0 }, http: { port: 0 } },
    topics: { spans: { name: topic, partitions: 12 } },
    bus: { kind: busKind, kafka: { brokers } },
  });
  // BENCH_BUS=memory takes Kafka out of the picture (records of a topic nobody reads are evicted).
  const bus = busKind === 'kafka' ? createKafkaBus({ brokers, clientId: 'bench-ingest', maxInFlightBytes: config.bus.maxInFlightBytes }) : createMemoryBus();
  await bus.ensureTopics([{ name: topic, partitions: 12, retentionMs: 3_600_000, maxMessageBytes: config.topics.spans.maxMessageBytes }]);
  const registry = createMetricsRegistry();
  const ingest = createIngest({ config, bus, registry, logger: createLogger({ name: 'bench', level: 'warn' }), ...(fixedNormalizer ? { normalizer: stubNormalizer() } : {}) });
  await ingest.start();
  const { http, grpc } = ingest.addresses();
  const { child, ready } = await startGenerator({ tracesUrl: `${http}/v1/traces`, grpcAddress: grpc, distinctRequests: 60 });

  // memoryUsage.rss() reads one number; memoryUsage() walks the heap (measurable CPU at 20 Hz).
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const rows: Row[] = [];
  const gc = gcPauses();
  const measure = async (protocol: string, phase: string, run: RunCommand): Promise<RunResult> => {
    gc.take();
    const cpuBefore = process.cpuUsage();
    const result = await command(child, run);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    const failures = Object.entries(result.failures).map(([what, n]) => `${what}×${n}`).join(' ') + (result.skipped ? ` skipped×${result.skipped}` : '');
    rows.push({
      protocol,
      phase,
      spansPerSecond: Math.round(result.acknowledgedSpans / result.seconds),
      spansPerCpuSecond: Math.round(result.acknowledgedSpans / cpuSeconds),
      cpuPercent: Math.round((100 * cpuSeconds) / result.seconds),
      systemPercent: Math.round((100 * cpu.system) / (cpu.user + cpu.system)),
      p50: Math.round(percentile(sorted, 50) * 10) / 10,
      p99: Math.round(percentile(sorted, 99) * 10) / 10,
      failures: failures || '-',
      gc: gc.take(),
    });
    return result;
  };

  for (const protocol of protocols) {
    const base = { type: 'run' as const, protocol: protocol === 'grpc' ? ('grpc' as const) : ('http' as const), gzip: protocol === 'http+gzip', concurrency, ratePerSecond: offeredSpansPerSecond / ready.spansPerRequest };
    await command(child, { ...base, mode: 'closed', seconds: 3 }); // warm-up: JIT, connections, producer
    await measure(protocol, `max, ${concurrency} in flight`, { ...base, mode: 'closed', seconds });
    await measure(protocol, `offered ${offeredSpansPerSecond} spans/s`, { ...base, mode: 'open', seconds });
  }

  let profileLines: string[] = [];
  if (profileProtocol) {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await command(child, { type: 'run', protocol: profileProtocol, gzip: false, mode: 'closed', seconds, concurrency, ratePerSecond: 1 });
    const { profile: cpuProfile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    session.disconnect();
    const file = path.join(os.tmpdir(), `ingest-bench-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(cpuProfile));
    profileLines = [
      `CPU profile of a ${seconds} s ${profileProtocol === 'grpc' ? 'gRPC' : 'HTTP/protobuf'} run at full speed (self time; ${file}):`,
      '| stage | ms | share of busy time |',
      '|---|---:|---:|',
      ...summarizeProfile(cpuProfile).map((s) => `| ${s.stage} | ${s.ms} | ${s.percent}% |`),
      '',
      'heaviest functions (self time):',
      ...topFunctions(cpuProfile, 20).map((f) => `  ${String(f.ms).padStart(6)} ms  ${f.fn}`),
    ];
  }
  clearInterval(sampler);
  gc.stop();

  const accepted = (await registry.getSingleMetric('tracebar_ingest_accepted_spans_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  child.send({ type: 'exit' });
  await ingest.shutdown(AbortSignal.timeout(10_000));
  if (busKind === 'kafka') {
    const admin = new Admin({ clientId: 'bench-ingest-cleanup', bootstrapBrokers: brokers });
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close();
  }
  await bus.close();
  if (localBroker) execFileSync(path.join(repoRoot, 'deploy/local/kafka.sh'), ['release'], { env: lease, stdio: 'inherit' });

  const cpus = os.cpus();
  console.log(`\ningest benchmark, ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  console.log(
    (fixedNormalizer ? 'STUB NORMALIZER (BENCH_NORMALIZER=fixed): normalize+encode replaced by a fixed 2.2 KB record\n' : '') +
    `conditions: ${ready.spansPerRequest} spans/request, ${ready.bodyBytes} bytes/request protobuf (${ready.gzipBytes} gzipped), ~20 attributes and ~1 KB of text a span; ` +
      (busKind === 'memory'
        ? 'in-process memory bus (no Kafka); '
        : `Kafka bus acks=all, 12 partitions, broker ${brokersFromEnv ? brokers.join(',') : `deploy/local/kafka.sh (Apache Kafka ${process.env.KAFKA_VERSION ?? '4.3.1'}) on this machine`}; `) +
      `${cpus.length} cores (${cpus[0]?.model ?? '?'}) shared by ingest, load generator and broker; Node ${process.version}, @grpc/grpc-js ${versionOf('@grpc/grpc-js', 'services/ingest')}, ` +
      `@platformatic/kafka ${versionOf('@platformatic/kafka', 'services/lib/bus')}, protobufjs ${versionOf('protobufjs', 'services/lib/proto')}; ${seconds} s a phase`,
  );
  console.log('\n| protocol | phase | spans/s | spans per ingest CPU-second | ingest CPU (kernel share) | p50 ms | p99 ms | failures | GC pauses |');
  console.log('|---|---|---:|---:|---:|---:|---:|---|---|');
  for (const r of rows) console.log(`| ${r.protocol} | ${r.phase} | ${r.spansPerSecond} | ${r.spansPerCpuSecond} | ${r.cpuPercent}% (${r.systemPercent}%) | ${r.p50} | ${r.p99} | ${r.failures} | ${r.gc} |`);
  console.log(`\npeak RSS of the ingest process: ${Math.round(peakRss / 1_048_576)} MiB (process maxRSS ${Math.round(process.resourceUsage().maxRSS / 1_024)} MiB)`);
  console.log(`check: ingest accepted ${accepted} spans in all (warm-up and profile runs included)`);
  if (profileLines.length > 0) console.log(`\n${profileLines.join('\n')}`);
}

await main();
