// The benchmark's load generator, a child process of bench/ingest-bench.ts so that the ingest
// process's CPU time is ingest's alone. Sends pre-built OTLP/protobuf requests over HTTP
// (node:http, keep-alive) or gRPC (grpc-js, one channel) as fast as `concurrency` allows
// (closed loop) or at a fixed rate (open loop), and reports counts and latencies over IPC.
import { Agent, request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { otlpTraceExportPath } from '@tracebar/proto';
import { buildAgentRequests, SPANS_PER_REQUEST } from './agent-requests.js';

export interface GeneratorSettings {
  tracesUrl: string;
  grpcAddress: string;
  distinctRequests: number;
}

export interface RunCommand {
  type: 'run';
  protocol: 'http' | 'grpc';
  gzip: boolean;
  /** closed: `concurrency` senders back to back; open: `ratePerSecond` requests a second. */
  mode: 'closed' | 'open';
  seconds: number;
  concurrency: number;
  ratePerSecond: number;
}

export interface RunResult {
  type: 'result';
  requests: number;
  acknowledgedSpans: number;
  failures: Record<string, number>;
  seconds: number;
  latenciesMs: number[];
  /** Open loop: sends skipped because too many were outstanding (the offered load was not met). */
  skipped: number;
}

export interface ReadyMessage {
  type: 'ready';
  bodyBytes: number;
  gzipBytes: number;
  spansPerRequest: number;
}

type Send = (body: Buffer) => Promise<string>;

function httpSender(url: string, gzip: boolean, agent: Agent): Send {
  const target = new URL(url);
  return (body) =>
    new Promise((resolve) => {
      const headers: Record<string, string | number> = { 'content-type': 'application/x-protobuf', 'content-length': body.length };
      if (gzip) headers['content-encoding'] = 'gzip';
      const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(String(res.statusCode)));
      });
      req.on('error', (error) => resolve(error.message));
      req.end(body);
    });
}

function grpcSender(client: Client): Send {
  const identity = (bytes: Buffer) => bytes;
  return (body) =>
    new Promise((resolve) => {
      client.makeUnaryRequest(otlpTraceExportPath, identity, identity, body, new Metadata(), (error) => resolve(error ? `grpc ${error.code}` : '200'));
    });
}

async function run(command: RunCommand, bodies: Buffer[], send: Send): Promise<RunResult> {
  const failures: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let requests = 0;
  let acknowledgedSpans = 0;
  let skipped = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + command.seconds * 1_000;

  const one = async () => {
    const body = bodies[next++ % bodies.length] as Buffer;
    const sentAt = performance.now();
    const outcome = await send(body);
    latenciesMs.push(performance.now() - sentAt);
    requests++;
    if (outcome === '200') acknowledgedSpans += SPANS_PER_REQUEST;
    else failures[outcome] = (failures[outcome] ?? 0) + 1;
  };

  if (command.mode === 'closed') {
    await Promise.all(
      Array.from({ length: command.concurrency }, async () => {
        while (performance.now() < deadline) await one();
      }),
    );
  } else {
    const intervalMs = 1_000 / command.ratePerSecond;
    const outstanding = new Set<Promise<void>>();
    let due = 0;
    while (performance.now() < deadline) {
      const shouldHaveSent = Math.floor((performance.now() - started) / intervalMs) + 1;
      for (; due < shouldHaveSent; due++) {
        if (outstanding.size >= 2_000) {
          skipped++;
          continue;
        }
        const sending = one().finally(() => outstanding.delete(sending));
        outstanding.add(sending);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(intervalMs, 5))));
    }
    await Promise.all(outstanding);
  }
  return { type: 'result', requests, acknowledgedSpans, failures, seconds: (performance.now() - started) / 1_000, latenciesMs, skipped };
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as GeneratorSettings;
  const bodies = buildAgentRequests(settings.distinctRequests);
  const gzipped = bodies.map((body) => gzipSync(body));
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const grpc = new Client(settings.grpcAddress, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1_048_576 });
  const average = (list: Buffer[]) => Math.round(list.reduce((sum, b) => sum + b.length, 0) / list.length);
  process.send?.({ type: 'ready', bodyBytes: average(bodies), gzipBytes: average(gzipped), spansPerRequest: SPANS_PER_REQUEST } satisfies ReadyMessage);

  process.on('message', (message: RunCommand | { type: 'exit' }) => {
    if (message.type === 'exit') {
      agent.destroy();
      grpc.close();
      process.disconnect?.();
      return;
    }
    const send = message.protocol === 'grpc' ? grpcSender(grpc) : httpSender(settings.tracesUrl, message.gzip, agent);
    void run(message, message.gzip ? gzipped : bodies, send).then((result) => process.send?.(result));
  });
}

await main();
