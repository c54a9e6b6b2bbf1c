// Message builders for the sink's tests: realistic defaults, every field reachable.
import {
  CloseReason,
  LabelSource,
  Outcome,
  ReviewStatus,
  SessionKeySource,
  SpanKind,
  StatusCode,
  StepKind,
  encodeLabel,
  encodeScoreRecord,
  encodeSessionRecord,
  encodeSpanRecord,
  recordHeaders,
  reviewItemToJsonLine,
  sessionRecordKey,
  toLong,
  topicCatalog,
  type IAttributes,
  type ILabel,
  type IReviewItem,
  type IScoreRecord,
  type ISessionRecord,
  type ISpanRecord,
} from '@tracebar/proto';
import type { OutgoingMessage } from '@tracebar/bus';

const HOUR_MS = 3_600_000;
/**
 * Two days ago, on the hour, plus 123456789 ns: recent enough for every table's TTL (rows
 * past it never show), exact to the nanosecond.
 */
export const t0 = BigInt(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 48 * HOUR_MS) * 1_000_000n + 123_456_789n;

/** A time as ClickHouse prints DateTime64(9): `YYYY-MM-DD hh:mm:ss.nnnnnnnnn`. */
export function chTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}
export const ns = (offset: bigint | number) => toLong(t0 + BigInt(offset));
export const MS = 1_000_000n;

export function allAttributes(seed: string): IAttributes {
  return {
    stringValues: { [`${seed}.text`]: 'héllo ✓ "quoted"\nline\t\\ \u0001', 'llm.input_messages.0.message.role': 'user' },
    intValues: { [`${seed}.int`]: toLong(-42n), [`${seed}.big`]: toLong(9_007_199_254_740_993n), [`${seed}.min`]: toLong(-9_223_372_036_854_775_808n) },
    doubleValues: { [`${seed}.double`]: 0.25, [`${seed}.nan`]: Number.NaN, [`${seed}.inf`]: Number.NEGATIVE_INFINITY },
    boolValues: { [`${seed}.bool`]: true, [`${seed}.false`]: false },
    bytesValues: { [`${seed}.bytes`]: new Uint8Array([0, 1, 254, 255]) },
  };
}

/** A span with every field set. */
export function fullSpan(index = 0, overrides: Partial<ISpanRecord> = {}): ISpanRecord {
  return {
    tenant: 'acme',
    sessionKey: 'sess-full',
    sessionKeySource: SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID,
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: `eee19b7ec3c1b1${index.toString(16).padStart(2, '0')}`,
    parentSpanId: index === 0 ? '' : 'eee19b7ec3c1b100',
    name: 'chat gpt-4o-mini',
    kind: SpanKind.SPAN_KIND_CLIENT,
    startTimeUnixNano: ns(BigInt(index) * MS),
    endTimeUnixNano: ns(BigInt(index) * MS + 500_000n),
    statusCode: StatusCode.STATUS_CODE_ERROR,
    statusMessage: 'tool returned 500',
    serviceName: 'booking-agent',
    serviceVersion: '1.4.2',
    sessionEnd: true,
    attributes: allAttributes('span'),
    resourceAttributes: allAttributes('resource'),
    scopeName: 'openinference.instrumentation.openai',
    scopeVersion: '0.1.9',
    scopeAttributes: allAttributes('scope'),
    events: [
      { timeUnixNano: ns(10), name: 'exception', attributes: allAttributes('event'), droppedAttributesCount: 1 },
      { timeUnixNano: ns(20), name: 'gen_ai.choice' },
    ],
    links: [
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'vendor=1', attributes: allAttributes('link'), droppedAttributesCount: 2, flags: 0x301 },
    ],
    genAi: {
      operationName: 'chat',
      openinferenceSpanKind: 'LLM',
      providerName: 'openai',
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      inputTokens: toLong(1234),
      outputTokens: toLong(0),
      totalTokens: toLong(9_007_199_254_740_993n),
      cacheReadInputTokens: toLong(-1),
      toolName: 'search_flights',
      toolCallId: 'call_1',
      toolCallArguments: '{"from":"SFO","to":"JFK"}',
      toolCallResult: '[]',
      conversationId: 'conv-1',
      agentName: 'booker',
      agentId: 'agent-7',
      inputMessages: [
        { role: 'system', content: 'You book flights. Never book red-eyes.' },
        { role: 'assistant', toolCalls: [{ id: 'call_1', name: 'search_flights', arguments: '{"from":"SFO"}' }, { id: 'call_2', name: 'x', arguments: '{}' }] },
        { role: 'tool', content: '[]', toolCallId: 'call_1', name: 'search_flights' },
      ],
      outputMessages: [{ role: 'assistant', content: 'No flights found.', finishReason: 'stop' }],
      systemInstructions: 'Be brief.',
      inputValue: 'Book me SFO→JFK',
      outputValue: 'No flights found.',
      finishReasons: ['stop', 'length'],
      responseId: 'resp-1',
      errorType: 'TimeoutError',
    },
    traceState: 'rojo=00f067aa0ba902b7',
    flags: 0x101,
    droppedAttributesCount: 3,
    droppedEventsCount: 4,
    droppedLinksCount: 5,
    receivedTimeUnixNano: ns(2_000_000_000),
    resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    scopeSchemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
    truncatedValueCount: 6,
    redactedValueCount: 7,
    liftedAttributeKeys: ['gen_ai.input.messages', 'gen_ai.output.messages'],
    ...overrides,
  };
}

/** A typical agent span: what ingest publishes for one LLM or tool call. */
export function agentSpan(o: {
  tenant?: string;
  sessionKey: string;
  index: number;
  serviceVersion?: string;
  tool?: string;
  error?: boolean;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  startOffsetMs?: number;
  durationMs?: number;
  /** Tool call result; default `{"ok":true}`, or an error text for a failing call. */
  result?: string;
}): ISpanRecord {
  const start = BigInt(o.startOffsetMs ?? o.index * 1_000) * MS;
  const tool = o.tool;
  return {
    tenant: o.tenant ?? 'acme',
    sessionKey: o.sessionKey,
    sessionKeySource: SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID,
    traceId: traceIdOf(o.sessionKey),
    spanId: spanIdOf(o.sessionKey, o.index),
    parentSpanId: '',
    name: tool ? `execute_tool ${tool}` : `chat ${o.model ?? 'gpt-4o-mini'}`,
    kind: SpanKind.SPAN_KIND_CLIENT,
    startTimeUnixNano: ns(start),
    endTimeUnixNano: ns(start + BigInt(o.durationMs ?? 200) * MS),
    statusCode: o.error ? StatusCode.STATUS_CODE_ERROR : StatusCode.STATUS_CODE_OK,
    serviceName: 'booking-agent',
    serviceVersion: o.serviceVersion ?? '1.0.0',
    attributes: { stringValues: { 'session.id': o.sessionKey }, intValues: { 'http.response.status_code': toLong(o.error ? 500 : 200) } },
    resourceAttributes: { stringValues: { 'service.name': 'booking-agent' } },
    genAi: tool
      ? { operationName: 'execute_tool', toolName: tool, toolCallId: `call_${o.index}`, toolCallResult: o.result ?? (o.error ? 'error: upstream 500' : '{"ok":true}') }
      : {
          operationName: 'chat',
          providerName: 'openai',
          requestModel: o.model ?? 'gpt-4o-mini',
          ...(o.inputTokens === undefined ? {} : { inputTokens: toLong(o.inputTokens) }),
          ...(o.outputTokens === undefined ? {} : { outputTokens: toLong(o.outputTokens) }),
        },
    receivedTimeUnixNano: ns(start + 1_000n * MS),
  };
}

export function spanIdOf(sessionKey: string, index: number): string {
  return (BigInt(hash(sessionKey)) * 1000n + BigInt(index)).toString(16).padStart(16, '0').slice(-16);
}

export function traceIdOf(sessionKey: string): string {
  return hash(sessionKey).toString(16).padStart(32, '0').slice(-32);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export function sessionRecord(o: {
  tenant?: string;
  sessionKey: string;
  revision?: number;
  serviceVersion?: string;
  toolCalls?: number;
  toolErrors?: number;
  spanCount?: number;
  inputTokens?: number;
  outputTokens?: number;
  startOffsetMs?: number;
  partIndex?: number;
  partCount?: number;
  spans?: ISpanRecord[];
}): ISessionRecord {
  const start = BigInt(o.startOffsetMs ?? 0) * MS;
  return {
    tenant: o.tenant ?? 'acme',
    sessionKey: o.sessionKey,
    sessionKeySource: SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID,
    revision: o.revision ?? 1,
    partIndex: o.partIndex ?? 0,
    partCount: o.partCount ?? 1,
    contentDigest: `digest-${o.sessionKey}-${o.revision ?? 1}`,
    closeReason: CloseReason.CLOSE_REASON_IDLE,
    summary: {
      spanCount: o.spanCount ?? 10,
      traceIds: [traceIdOf(o.sessionKey)],
      turnCount: 2,
      llmCallCount: 4,
      toolCallCount: o.toolCalls ?? 4,
      toolErrorCount: o.toolErrors ?? 0,
      errorSpanCount: o.toolErrors ?? 0,
      inputTokens: toLong(o.inputTokens ?? 1_000),
      outputTokens: toLong(o.outputTokens ?? 200),
      firstUserInput: 'Book me a flight SFO to JFK, no red-eyes',
      finalOutput: 'Booked UA 123.',
      startTimeUnixNano: ns(start),
      endTimeUnixNano: ns(start + 60_000n * MS),
      durationNano: toLong(60_000n * MS),
      serviceName: 'booking-agent',
      serviceVersion: o.serviceVersion ?? '1.0.0',
      agentName: 'booker',
      models: ['gpt-4o-mini'],
      toolNames: ['search_flights', 'book_flight'],
      spanBytes: toLong(12_345),
    },
    turns: [
      {
        index: 0,
        userSpanId: 'aaaaaaaaaaaaaaaa',
        userInput: 'Book me a flight',
        output: 'Which date?',
        startTimeUnixNano: ns(start),
        endTimeUnixNano: ns(start + 10_000n * MS),
        steps: [
          { kind: StepKind.STEP_KIND_LLM_CALL, spanId: 'bbbbbbbbbbbbbbbb', name: 'gpt-4o-mini', startTimeUnixNano: ns(start), endTimeUnixNano: ns(start + MS), inputTokens: toLong(500), outputTokens: toLong(50) },
          { kind: StepKind.STEP_KIND_TOOL_CALL, spanId: 'cccccccccccccccc', name: 'search_flights', toolCallId: 'call_1', error: true, startTimeUnixNano: ns(start + MS), endTimeUnixNano: ns(start + 2n * MS) },
        ],
      },
    ],
    spans: o.spans ?? [],
  };
}

export function scoreRecord(o: {
  tenant?: string;
  sessionKey: string;
  revision?: number;
  objective?: string;
  version?: number;
  outcome: 'passed' | 'failed' | 'unscored';
  patterns?: [string, string][];
  serviceVersion?: string;
  startOffsetMs?: number;
  scoredOffsetMs?: number;
  evaluators?: { id: string; outcome: 'passed' | 'failed' | 'unscored'; pattern?: [string, string]; score?: number; reason?: string; evidence?: { spanId: string; note: string } }[];
}): IScoreRecord {
  const outcome = outcomes[o.outcome];
  const start = BigInt(o.startOffsetMs ?? 0) * MS;
  const evaluators = o.evaluators ?? [{ id: 'tools', outcome: o.outcome, ...(o.patterns?.[0] ? { pattern: o.patterns[0] } : {}) }];
  return {
    tenant: o.tenant ?? 'acme',
    sessionKey: o.sessionKey,
    sessionRevision: o.revision ?? 1,
    objective: { id: o.objective ?? 'airline-booking', version: o.version ?? 1, contentHash: `hash-${o.objective ?? 'airline-booking'}-${o.version ?? 1}` },
    verdict: {
      outcome,
      failedPatterns: (o.patterns ?? []).map(([pattern, subtype]) => ({ pattern, subtype })),
      failedRequiredEvaluators: o.outcome === 'failed' ? evaluators.filter((e) => e.outcome === 'failed').map((e) => e.id) : [],
      score: o.outcome === 'passed' ? 1 : 0.25,
    },
    scores: evaluators.map((e) => ({
      evaluatorId: e.id,
      evaluatorType: e.id === 'judge' ? 'llm_judge' : 'tool_failures',
      evaluatorVersion: 2,
      required: true,
      weight: 1,
      score: e.score ?? (e.outcome === 'passed' ? 1 : 0),
      outcome: outcomes[e.outcome],
      ...(e.pattern ? { pattern: { pattern: e.pattern[0], subtype: e.pattern[1] } } : {}),
      evidence: e.evidence ? [{ ...e.evidence, traceId: traceIdOf(o.sessionKey) }] : e.outcome === 'failed' ? [{ spanId: 'cccccccccccccccc', note: 'tool returned []', traceId: traceIdOf(o.sessionKey) }] : [],
      detail: e.outcome === 'failed' ? 'search_flights returned an empty list' : '',
      unscoredReason: e.reason ?? '',
      durationNano: toLong(1_500_000),
    })),
    taxonomyVersion: '2024-11',
    scoredTimeUnixNano: ns(start + BigInt(o.scoredOffsetMs ?? 120_000) * MS),
    sessionStartTimeUnixNano: ns(start),
    sessionEndTimeUnixNano: ns(start + 60_000n * MS),
    serviceName: 'booking-agent',
    serviceVersion: o.serviceVersion ?? '1.0.0',
    agentName: 'booker',
  };
}

const outcomes = { passed: Outcome.OUTCOME_PASSED, failed: Outcome.OUTCOME_FAILED, unscored: Outcome.OUTCOME_UNSCORED } as const;

export function reviewItem(o: { tenant?: string; sessionKey: string; revision?: number; priority: number; status?: ReviewStatus; createdOffsetMs?: number; startOffsetMs?: number; version?: number }): IReviewItem {
  const start = BigInt(o.startOffsetMs ?? 0) * MS;
  return {
    tenant: o.tenant ?? 'acme',
    sessionKey: o.sessionKey,
    sessionRevision: o.revision ?? 1,
    objective: { id: 'airline-booking', version: o.version ?? 1, contentHash: `hash-airline-booking-${o.version ?? 1}` },
    priority: o.priority,
    reasons: [{ code: 'failed_required_evaluator', contribution: o.priority, detail: 'tools failed', evaluatorId: 'tools' }],
    status: o.status ?? ReviewStatus.REVIEW_STATUS_OPEN,
    verdict: Outcome.OUTCOME_FAILED,
    patterns: [{ pattern: 'tool_failure', subtype: 'silent_failure' }],
    evidence: [{ spanId: 'cccccccccccccccc', note: 'tool returned []' }],
    createdTimeUnixNano: ns(start + BigInt(o.createdOffsetMs ?? 130_000) * MS),
    sessionStartTimeUnixNano: ns(start),
    sessionEndTimeUnixNano: ns(start + 60_000n * MS),
    serviceName: 'booking-agent',
    serviceVersion: '1.0.0',
    agentName: 'booker',
    firstUserInput: 'Book me a flight',
    finalOutput: 'Booked.',
    spanCount: 10,
    turnCount: 2,
  };
}

export function label(o: { tenant?: string; labelId: string; sessionKey: string; revision?: number; outcome: 'passed' | 'failed'; pattern?: [string, string]; supersedes?: string; createdOffsetMs?: number }): ILabel {
  return {
    labelId: o.labelId,
    tenant: o.tenant ?? 'acme',
    sessionKey: o.sessionKey,
    sessionRevision: o.revision ?? 1,
    outcome: outcomes[o.outcome],
    ...(o.pattern ? { pattern: { pattern: o.pattern[0], subtype: o.pattern[1] } } : {}),
    taxonomyVersion: '2024-11',
    evidence: [{ spanId: 'cccccccccccccccc', note: 'empty result' }],
    note: 'checked by hand',
    author: 'reviewer-1',
    source: LabelSource.LABEL_SOURCE_REVIEWER,
    createdTimeUnixNano: ns(BigInt(o.createdOffsetMs ?? 200_000) * MS),
    objective: { id: 'airline-booking', version: 1, contentHash: 'hash-airline-booking-1' },
    supersedesLabelId: o.supersedes ?? '',
    outcomeFields: { doubleValues: { reward: o.outcome === 'passed' ? 1 : 0 } },
  };
}

// Records as producers publish them: key, value, headers.

export function spanMessage(span: ISpanRecord): OutgoingMessage {
  return { key: sessionRecordKey(span.tenant ?? '', span.sessionKey ?? ''), value: Buffer.from(encodeSpanRecord(span)), headers: recordHeaders(topicCatalog.spans) };
}

export function sessionMessage(session: ISessionRecord): OutgoingMessage {
  return { key: sessionRecordKey(session.tenant ?? '', session.sessionKey ?? ''), value: Buffer.from(encodeSessionRecord(session)), headers: recordHeaders(topicCatalog.sessions) };
}

export function scoreMessage(score: IScoreRecord): OutgoingMessage {
  return { key: sessionRecordKey(score.tenant ?? '', score.sessionKey ?? ''), value: Buffer.from(encodeScoreRecord(score)), headers: recordHeaders(topicCatalog.scores) };
}

export function reviewMessage(item: IReviewItem): OutgoingMessage {
  return { key: sessionRecordKey(item.tenant ?? '', item.sessionKey ?? ''), value: Buffer.from(`${reviewItemToJsonLine(item)}\n`), headers: recordHeaders(topicCatalog.review) };
}

export function labelMessage(l: ILabel): OutgoingMessage {
  return { key: sessionRecordKey(l.tenant ?? '', l.sessionKey ?? ''), value: Buffer.from(encodeLabel(l)), headers: recordHeaders(topicCatalog.labels) };
}
