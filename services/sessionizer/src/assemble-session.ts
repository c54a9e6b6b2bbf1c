// A closed session's record: spans in order without duplicates, turns, and the summary.
// Everything here is a pure function of the spans (in log order) and the close facts, so a
// session re-read after a restart assembles to the same bytes.
import Long from 'long';
import { parseSessionRecordKey, type CloseReason, type ISessionRecord } from '@tracebar/proto';
import { STATUS_ERROR } from './span-kinds.js';
import { readSpanView, text, type SpanView } from './span-view.js';
import { before, buildTurns } from './turns.js';

export interface ClosingSession {
  /** The Kafka key `<tenant>/<session key>`: the identity when a span leaves its own fields empty. */
  key: string;
  /** Encoded SpanRecords in log order. */
  spans: readonly Buffer[];
  revision: number;
  closeReason: CloseReason;
  truncated: boolean;
  evicted: boolean;
  truncatedSpans: number;
}

export interface AssembledSession {
  /** Everything but the spans (and the part fields, set when encoding). */
  record: ISessionRecord;
  /** The span bytes to splice into the record, in order. */
  spans: Buffer[];
  /** Spans left out: repeated (trace id, span id), or not decodable. */
  duplicates: number;
  malformed: number;
}

function compareViews(a: SpanView, b: SpanView): number {
  if (a.startHi !== b.startHi) return a.startHi - b.startHi;
  if (a.startLo !== b.startLo) return a.startLo - b.startLo;
  if (a.spanId !== b.spanId) return a.spanId < b.spanId ? -1 : 1;
  if (a.traceId !== b.traceId) return a.traceId < b.traceId ? -1 : 1;
  return 0;
}

function time(hi: number, lo: number): Long {
  return Long.fromBits(lo | 0, hi | 0, true);
}

export function assembleSession(session: ClosingSession, maxTextLength: number): AssembledSession {
  const seen = new Set<string>();
  const views: SpanView[] = [];
  let duplicates = 0;
  let malformed = 0;
  for (const bytes of session.spans) {
    let view: SpanView;
    try {
      view = readSpanView(bytes);
    } catch {
      malformed++;
      continue;
    }
    const id = `${view.traceId}/${view.spanId}`;
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    views.push(view);
  }
  views.sort(compareViews);

  const first = views[0];
  let startHi = first?.startHi ?? 0;
  let startLo = first?.startLo ?? 0;
  let endHi = 0;
  let endLo = 0;
  const traceIds: string[] = [];
  const traceSeen = new Set<string>();
  let serviceName = '';
  let serviceVersion = '';
  let agentName = '';
  let errorSpans = 0;
  let spanBytes = 0;
  for (const view of views) {
    if (before(view.startHi, view.startLo, startHi, startLo)) {
      startHi = view.startHi;
      startLo = view.startLo;
    }
    if (before(endHi, endLo, view.endHi, view.endLo)) {
      endHi = view.endHi;
      endLo = view.endLo;
    }
    if (!traceSeen.has(view.traceId)) {
      traceSeen.add(view.traceId);
      traceIds.push(view.traceId);
    }
    if (serviceName === '' && view.serviceName) serviceName = text(view, view.serviceName);
    if (serviceVersion === '' && view.serviceVersion) serviceVersion = text(view, view.serviceVersion);
    if (agentName === '' && view.genAi && view.genAi.agentName !== '') agentName = view.genAi.agentName;
    if (view.statusCode === STATUS_ERROR) errorSpans++;
    spanBytes += view.bytes.length;
  }
  if (before(endHi, endLo, startHi, startLo)) {
    endHi = startHi;
    endLo = startLo;
  }
  const start = time(startHi, startLo);
  const end = time(endHi, endLo);
  const turns = buildTurns(views, maxTextLength);

  const fromKey = parseSessionRecordKey(session.key);
  const record: ISessionRecord = {
    tenant: (first && text(first, first.tenant)) || fromKey?.tenant || '',
    sessionKey: (first && text(first, first.sessionKey)) || fromKey?.sessionKey || '',
    sessionKeySource: first?.sessionKeySource ?? 0,
    revision: session.revision,
    closeReason: session.closeReason,
    truncated: session.truncated,
    evicted: session.evicted,
    summary: {
      spanCount: views.length,
      traceIds,
      turnCount: turns.userTurns,
      llmCallCount: turns.llmCalls,
      toolCallCount: turns.toolCalls,
      toolErrorCount: turns.toolErrors,
      errorSpanCount: errorSpans,
      inputTokens: Long.fromNumber(turns.inputTokens),
      outputTokens: Long.fromNumber(turns.outputTokens),
      firstUserInput: turns.firstUserInput,
      finalOutput: turns.finalOutput,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      durationNano: end.subtract(start),
      serviceName,
      serviceVersion,
      agentName,
      models: turns.models,
      toolNames: turns.toolNames,
      spanBytes: Long.fromNumber(spanBytes, true),
      truncatedSpanCount: session.truncatedSpans,
    },
    turns: turns.turns,
  };
  return { record, spans: views.map((view) => view.bytes), duplicates, malformed };
}
