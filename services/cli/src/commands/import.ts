// `tracebar import <file|folder> --format openai-messages|who-and-when`: a data set's records
// become OTLP sessions (@tracebar/importers), sent to a running tracebar by the official
// OTLP/HTTP protobuf exporter, whose result for every request is awaited. With
// --outcomes-as-labels the records' ground truth goes to the labels table through the admin API;
// it never enters a span.
import { basename } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TracebarConfig } from '@tracebar/config';
import { convertRecords, datasetNameOf, readDatasetRecords, type DatasetFormat, type ImportedSession, type SessionOutcome } from '@tracebar/importers';
import { DEFAULT_TENANT } from '@tracebar/ingest';
import { adminBaseUrl } from '../admin-client.js';
import { createProgress, type ProgressStream } from '../progress.js';

export interface ImportCommandOptions {
  config: TracebarConfig;
  path: string;
  format: DatasetFormat;
  /** OTLP/HTTP base URL; default the configured receiver (otlp.http). */
  endpoint?: string;
  outcomesAsLabels: boolean;
  /** First session's start; default 24 h before now (the spans table keeps 30 days). */
  startTime?: Date;
  /** Progress (stderr). */
  progress: ProgressStream;
  /** The summary (stdout). */
  write: (text: string) => void;
  /** Spans per export request (whole sessions); default 512. */
  spansPerRequest?: number;
  /** Export requests in flight at once; default 2. */
  concurrency?: number;
  now?: () => number;
}

export interface ImportSummary {
  sessions: number;
  spans: number;
  requests: number;
  labels: number;
  startTime: Date;
  durationMs: number;
}

/** Import failed for a reason the user can act on; printed as is, exit code 1. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

const DAY_MS = 86_400_000;
const EXPORT_TIMEOUT_MS = 60_000;
const LABELS_PER_REQUEST = 500;

function otlpBaseUrl(config: TracebarConfig): string {
  const { host, port } = config.otlp.http;
  const dial = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${dial.includes(':') ? `[${dial}]` : dial}:${port}`;
}

function refusal(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND' || cause?.code === 'EHOSTUNREACH' ? cause.code : undefined;
}

/** An empty export request: 200 from a live receiver, a clear error otherwise, before any data is read. */
async function probe(tracesUrl: string, endpoint: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(tracesUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(0), signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const code = refusal(error);
    if (code) throw new ImportError(`tracebar is not running at ${endpoint} (${code}): start it with 'tracebar up', or pass --endpoint`);
    throw new ImportError(`cannot reach ${tracesUrl}: ${error instanceof Error ? error.message : String(error)}`);
  }
  await response.arrayBuffer();
  if (!response.ok) throw new ImportError(`${tracesUrl} answered ${response.status} to an empty export request: is it a tracebar OTLP/HTTP receiver?`);
}

function exportOnce(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** A Label in protobuf's JSON mapping (proto/tracebar/v1/label.proto), as POST /v1/labels takes it. */
export function labelOf(outcome: SessionOutcome, author: string, createdUnixNano: bigint): Record<string, unknown> | undefined {
  if (outcome.outcome === 'unknown') return undefined;
  const strings: Record<string, string> = {};
  const doubles: Record<string, number> = {};
  const bools: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(outcome.fields)) {
    if (typeof value === 'string') strings[key] = value;
    else if (typeof value === 'number') doubles[key] = value;
    else bools[key] = value;
  }
  return {
    // Deterministic: importing the same data again replaces the label (labels dedupe by id).
    labelId: `import:${DEFAULT_TENANT}/${outcome.sessionKey}`,
    tenant: DEFAULT_TENANT,
    sessionKey: outcome.sessionKey,
    sessionRevision: 1,
    outcome: outcome.outcome === 'passed' ? 'OUTCOME_PASSED' : 'OUTCOME_FAILED',
    evidence: outcome.evidence.map((item) => ({ spanId: item.spanId, traceId: item.traceId, note: item.note })),
    author,
    source: 'LABEL_SOURCE_IMPORT',
    createdTimeUnixNano: createdUnixNano.toString(),
    outcomeFields: { stringValues: strings, doubleValues: doubles, boolValues: bools },
  };
}

async function postLabels(config: TracebarConfig, labels: readonly Record<string, unknown>[]): Promise<void> {
  const url = `${adminBaseUrl(config)}/v1/labels`;
  for (let at = 0; at < labels.length; at += LABELS_PER_REQUEST) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(labels.slice(at, at + LABELS_PER_REQUEST)),
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
    } catch (error) {
      const code = refusal(error);
      throw new ImportError(`the spans were sent, but the labels were not: the admin API at ${adminBaseUrl(config)} is ${code ? `not reachable (${code})` : `failing (${error instanceof Error ? error.message : String(error)})`}`);
    }
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok) throw new ImportError(`the spans were sent, but ${url} refused the labels (${response.status}): ${body.error ?? 'no detail'}`);
  }
}

export async function runImportCommand(options: ImportCommandOptions): Promise<ImportSummary> {
  const now = options.now ?? Date.now;
  const began = now();
  const endpoint = (options.endpoint ?? otlpBaseUrl(options.config)).replace(/\/+$/, '');
  const tracesUrl = `${endpoint}/v1/traces`;
  const startTime = options.startTime ?? new Date(began - DAY_MS);

  let records;
  try {
    records = await readDatasetRecords(options.path);
  } catch (error) {
    throw new ImportError(`cannot read ${options.path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  await probe(tracesUrl, endpoint);

  const exporter = new OTLPTraceExporter({ url: tracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS });
  const progress = createProgress({ total: records.length, unit: 'sessions', label: 'import', stream: options.progress, now });
  const spansPerRequest = options.spansPerRequest ?? 512;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const outcomes: SessionOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: ImportError | undefined;
  let sessionsDone = 0;
  let spansDone = 0;
  let requests = 0;

  const send = (spans: ReadableSpan[], sessions: number): Promise<void> => {
    requests++;
    const task = exportOnce(exporter, spans).then((result) => {
      inFlight.delete(task);
      if (result.code !== ExportResultCode.SUCCESS) {
        failure ??= new ImportError(`export to ${tracesUrl} failed: ${result.error?.message ?? 'no detail'}`);
        return;
      }
      sessionsDone += sessions;
      spansDone += spans.length;
      progress.update(sessionsDone, `${spansDone} spans`);
    });
    inFlight.add(task);
    return task;
  };

  try {
    let batch: ReadableSpan[] = [];
    let batchSessions = 0;
    const sessions: Iterable<ImportedSession> = convertRecords(options.format, records, datasetNameOf(options.path), { startTime });
    for (const session of sessions) {
      outcomes.push(session.outcome);
      if (batch.length > 0 && batch.length + session.spans.length > spansPerRequest) {
        void send(batch, batchSessions);
        batch = [];
        batchSessions = 0;
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (failure) break;
      }
      batch.push(...session.spans);
      batchSessions++;
    }
    if (!failure && batch.length > 0) void send(batch, batchSessions);
    await Promise.all(inFlight);
  } catch (error) {
    await Promise.all(inFlight);
    progress.finish('stopped');
    await exporter.shutdown();
    throw error instanceof ImportError ? error : new ImportError(error instanceof Error ? error.message : String(error));
  }
  progress.finish(`${spansDone} spans`);
  await exporter.shutdown();
  if (failure) throw failure;

  let labels = 0;
  if (options.outcomesAsLabels) {
    const created = BigInt(now()) * 1_000_000n;
    const author = `import:${basename(options.path)}`;
    const list = outcomes.map((outcome) => labelOf(outcome, author, created)).filter((label) => label !== undefined);
    await postLabels(options.config, list);
    labels = list.length;
  }

  const summary: ImportSummary = { sessions: sessionsDone, spans: spansDone, requests, labels, startTime, durationMs: now() - began };
  options.write(
    `imported ${summary.sessions} sessions (${summary.spans} spans, ${summary.requests} requests) from ${basename(options.path)} to ${endpoint} in ${(summary.durationMs / 1_000).toFixed(1)} s\n` +
      `synthetic times start at ${startTime.toISOString()} (--start-time ${startTime.toISOString()} repeats them); sessions close once the sessionizer's allowed lateness has passed\n` +
      (options.outcomesAsLabels ? `${labels} outcome labels written to the labels table\n` : ''),
  );
  return summary;
}
