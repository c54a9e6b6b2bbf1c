// The end-to-end benchmark's load generator, a child process of bench/e2e-bench.ts so that the
// pipeline's CPU time is its own. Sends OTLP/HTTP protobuf requests of whole agent sessions
// (node:http, keep-alive) with `concurrency` senders back to back for `seconds`, and reports
// over IPC what was acknowledged, plus the ack time of a sample of sessions.
import { Agent, request as httpRequest } from 'node:http';
import { buildTemplate, stamp } from './agent-sessions.js';

export interface LoadCommand {
  type: 'run';
  tracesUrl: string;
  seconds: number;
  concurrency: number;
  /** 0: closed loop (senders back to back); above: open loop, this many requests a second at most. */
  ratePerSecond?: number;
  sessionsPerRequest: number;
  /** One session in this many has an ignored tool error (a failed verdict, a review item). */
  brokenEvery: number;
  /** Every n-th request's first session is timed from its acknowledgement to its verdict. */
  sampleEvery: number;
  tag: string;
}

export interface LoadReady {
  type: 'ready';
  bodyBytes: number;
  spansPerRequest: number;
  sessionsPerRequest: number;
}

export interface LoadResult {
  type: 'result';
  requests: number;
  acknowledgedSpans: number;
  acknowledgedSessions: number;
  failures: Record<string, number>;
  seconds: number;
  samples: number;
  cpuMs: number;
}

/** Sent as soon as a sampled session's request is acknowledged, so the bench can poll for its verdict. */
export interface LoadSample {
  type: 'sample';
  sessionId: string;
  /** ms since the epoch. */
  acknowledgedAt: number;
}

function send(url: URL, agent: Agent, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (error) => resolve(error.message));
    req.end(body);
  });
}

async function run(command: LoadCommand): Promise<LoadResult> {
  const template = buildTemplate(command.sessionsPerRequest, command.brokenEvery);
  process.send?.({ type: 'ready', bodyBytes: template.body.length, spansPerRequest: template.spans, sessionsPerRequest: template.sessions } satisfies LoadReady);
  const url = new URL(command.tracesUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: command.concurrency });
  const failures: Record<string, number> = {};
  let samples = 0;
  let requests = 0;
  let acknowledged = 0;
  let counter = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + command.seconds * 1_000;
  const interval = (command.ratePerSecond ?? 0) > 0 ? 1_000 / (command.ratePerSecond ?? 1) : 0;
  const sender = async () => {
    while (performance.now() < deadline) {
      const n = counter++;
      if (interval > 0) {
        // Open loop: request n is due at start + n × interval, whichever sender is free takes it.
        const wait = started + n * interval - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (performance.now() >= deadline) break;
      }
      const { body, sessionIds } = stamp(template, command.tag, n);
      const status = await send(url, agent, body);
      requests++;
      if (status === '200') {
        acknowledged++;
        if (n % command.sampleEvery === 0 && sessionIds[0]) {
          samples++;
          process.send?.({ type: 'sample', sessionId: sessionIds[0], acknowledgedAt: Date.now() } satisfies LoadSample);
        }
      } else {
        failures[status] = (failures[status] ?? 0) + 1;
        // Back off as an exporter would on 429/503, instead of spinning on a full pipeline.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, sender));
  const seconds = (performance.now() - started) / 1_000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return {
    type: 'result',
    requests,
    acknowledgedSpans: acknowledged * template.spans,
    acknowledgedSessions: acknowledged * template.sessions,
    failures,
    seconds,
    samples,
    cpuMs: (used.user + used.system) / 1_000,
  };
}

process.on('message', (message: LoadCommand) => {
  if (message.type !== 'run') return;
  run(message).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`load generator: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
