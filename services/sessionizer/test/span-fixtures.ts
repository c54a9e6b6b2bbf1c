// Span records as ingest writes them, for tests and the benchmark.
import type { OutgoingMessage } from '@tracebar/bus';
import { encodeSpanRecord, recordHeaders, sessionRecordKey, toLong, topicCatalog, type IGenAi, type ISpanRecord } from '@tracebar/proto';

/** 2025-06-15T00:00:00Z: synthetic times are offsets from here, in ms. */
export const T0_MS = 1_749_945_600_000;

export interface SpanSpec {
  tenant?: string;
  session: string;
  spanId: string;
  traceId?: string;
  parentSpanId?: string;
  name?: string;
  /** ms after T0. */
  start: number;
  /** ms after T0; default start + 1. */
  end?: number;
  /** ms after T0; default end. */
  received?: number;
  serviceName?: string;
  serviceVersion?: string;
  sessionEnd?: boolean;
  statusCode?: number;
  genAi?: IGenAi;
  /** Extra attribute text, to make spans bigger. */
  padding?: number;
}

const ns = (ms: number) => toLong(BigInt(T0_MS + Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms - Math.floor(ms)) * 1e6)));

export function spanRecord(spec: SpanSpec): ISpanRecord {
  const end = spec.end ?? spec.start + 1;
  return {
    tenant: spec.tenant ?? 'default',
    sessionKey: spec.session,
    sessionKeySource: 1,
    traceId: spec.traceId ?? 'a'.repeat(32),
    spanId: spec.spanId.padStart(16, '0'),
    parentSpanId: spec.parentSpanId ? spec.parentSpanId.padStart(16, '0') : '',
    name: spec.name ?? 'span',
    kind: 1,
    startTimeUnixNano: ns(spec.start),
    endTimeUnixNano: ns(end),
    statusCode: spec.statusCode ?? 0,
    serviceName: spec.serviceName ?? 'agent',
    serviceVersion: spec.serviceVersion ?? '1.0.0',
    sessionEnd: spec.sessionEnd ?? false,
    attributes: { stringValues: { 'session.id': spec.session, ...(spec.padding ? { 'app.padding': 'x'.repeat(spec.padding) } : {}) } },
    genAi: spec.genAi,
    receivedTimeUnixNano: ns(spec.received ?? end),
  };
}

export function spanBytes(spec: SpanSpec): Buffer {
  return Buffer.from(encodeSpanRecord(spanRecord(spec)));
}

export function spanKey(spec: Pick<SpanSpec, 'tenant' | 'session'>): string {
  return sessionRecordKey(spec.tenant ?? 'default', spec.session);
}

const spanHeaders = recordHeaders(topicCatalog.spans);

export function spanMessage(spec: SpanSpec): OutgoingMessage {
  return { key: spanKey(spec), value: spanBytes(spec), headers: spanHeaders };
}

/** An LLM call span's GenAI fields. */
export function llm(user: string, output: string, extra: Partial<IGenAi> = {}): IGenAi {
  return {
    operationName: 'chat',
    requestModel: 'gpt-4o-mini',
    inputTokens: toLong(100),
    outputTokens: toLong(20),
    inputMessages: [
      { role: 'system', content: 'You are a booking agent.' },
      { role: 'user', content: user },
    ],
    outputMessages: [{ role: 'assistant', content: output }],
    ...extra,
  };
}

export function tool(name: string, callId: string, result: string): IGenAi {
  return { operationName: 'execute_tool', toolName: name, toolCallId: callId, toolCallArguments: '{}', toolCallResult: result };
}
