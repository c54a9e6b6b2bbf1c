// `tracebar tail review|alerts`: the topic as readable lines until Ctrl+C. On Kafka it reads the
// topic itself; embedded, the in-process bus lives inside `tracebar up`, so it streams the
// running instance's `GET /v1/tail/<topic>`.
import { createKafkaBus } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';
import type { TailTopic } from '@tracebar/runtime';
import { adminBaseUrl } from '../admin-client.js';
import { formatTailLine, type TailFormat } from './tail-format.js';
import { topicTail } from './tail-subscription.js';

export interface TailCommandOptions {
  config: TracebarConfig;
  topic: TailTopic;
  fromBeginning: boolean;
  format: TailFormat;
  write: (text: string) => void;
  /** Ctrl+C: ends the tail, which then resolves. */
  stop: AbortSignal;
  /** Called once the subscription is live: lines published from now on are printed (tests). */
  onReady?: () => void;
}

/** The instance went away while we streamed from it. */
export class TailEndedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TailEndedError';
  }
}

export function runTailCommand(options: TailCommandOptions): Promise<void> {
  return options.config.bus.kind === 'kafka' ? tailKafka(options) : tailAdmin(options);
}

function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function tailKafka(options: TailCommandOptions): Promise<void> {
  const { config } = options;
  const bus = createKafkaBus({ ...config.bus.kafka, clientId: `${config.bus.kafka.clientId}-tail`, maxInFlightBytes: config.bus.maxInFlightBytes, publishTimeoutMs: config.bus.publishTimeoutMs });
  try {
    const close = await topicTail(config, () => bus)(options.topic, {
      fromBeginning: options.fromBeginning,
      onLine: (line) => options.write(`${formatTailLine(options.topic, line, options.format)}\n`),
    });
    options.onReady?.();
    await whenAborted(options.stop);
    await close();
  } finally {
    await bus.close();
  }
}

function connectionRefused(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

async function tailAdmin(options: TailCommandOptions): Promise<void> {
  const base = adminBaseUrl(options.config);
  const url = `${base}/v1/tail/${options.topic}${options.fromBeginning ? '?from=beginning' : ''}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: options.stop });
  } catch (error) {
    if (options.stop.aborted) return;
    if (connectionRefused(error)) {
      throw new Error(`no tracebar answers at ${base}: the embedded bus lives inside \`tracebar up\` (start it), or set TRACEBAR_KAFKA_BROKERS to read Kafka`);
    }
    throw error;
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    throw new Error(`tracebar at ${base} answered ${response.status}: ${text}`);
  }
  options.onReady?.();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line !== '') options.write(`${formatTailLine(options.topic, line, options.format)}\n`);
        newline = pending.indexOf('\n');
      }
    }
  } catch (error) {
    if (options.stop.aborted) return;
    throw error;
  }
  if (!options.stop.aborted) throw new TailEndedError(`tracebar at ${base} ended the stream (it stopped)`);
}
