// Fully populated example messages: every field set, so round trips exercise every field.
import {
  AlertKind,
  AlertSeverity,
  AlertState,
  CloseReason,
  LabelSource,
  Outcome,
  ReviewStatus,
  SessionKeySource,
  SpanKind,
  StatusCode,
  StepKind,
  toLong,
  type IAlert,
  type IAttributes,
  type IDeadLetter,
  type ILabel,
  type IReviewItem,
  type IScoreRecord,
  type ISessionRecord,
  type ISpanRecord,
} from '../src/index.js';

export const t0 = 1_732_000_000_123_456_789n;
export const ns = (offset: bigint) => toLong(t0 + offset);

export function attributes(seed: string): IAttributes {
  return {
    stringValues: { [`${seed}.text`]: 'héllo ✓ "quoted"\nline', 'llm.input_messages.0.message.role': 'user' },
    intValues: { [`${seed}.int`]: toLong(-42n), [`${seed}.big`]: toLong(9_007_199_254_740_993n) },
    doubleValues: { [`${seed}.double`]: 0.25 },
    boolValues: { [`${seed}.bool`]: true },
    bytesValues: { [`${seed}.bytes`]: new Uint8Array([0, 1, 254, 255]) },
  };
}

export const traceId = '5b8efff798038103d269b633813fc60c';

export function spanRecord(index = 0): ISpanRecord {
  const spanId = `eee19b7ec3c1b1${index.toString(16).padStart(2, '0')}`;
  return {
    tenant: 'acme',
    sessionKey: 'sess-42',
    sessionKeySource: SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID,
    traceId,
    spanId,
    parentSpanId: index === 0 ? '' : 'eee19b7ec3c1b100',
    name: 'chat gpt-4o-mini',
    kind: SpanKind.SPAN_KIND_CLIENT,
    startTimeUnixNano: ns(BigInt(index) * 1_000_000n),
    endTimeUnixNano: ns(BigInt(index) * 1_000_000n + 500_000n),
    statusCode: StatusCode.STATUS_CODE_ERROR,
    statusMessage: 'tool returned 500',
    serviceName: 'booking-agent',
    serviceVersion: '1.4.2',
    sessionEnd: index === 2,
    attributes: attributes('span'),
    resourceAttributes: attributes('resource'),
    scopeName: 'openinference.instrumentation.openai',
    scopeVersion: '0.1.9',
    scopeAttributes: attributes('scope'),
    events: [
      { timeUnixNano: ns(10n), name: 'exception', attributes: attributes('event'), droppedAttributesCount: 1 },
    ],
    links: [
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceState: 'vendor=1',
        attributes: attributes('link'),
        droppedAttributesCount: 2,
        flags: 0x301,
      },
    ],
    genAi: {
      operationName: 'chat',
      openinferenceSpanKind: 'LLM',
      providerName: 'openai',
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      inputTokens: toLong(1234n),
      outputTokens: toLong(0n),
      totalTokens: toLong(1234n),
      toolName: 'search_flights',
      toolCallId: 'call_1',
      toolCallArguments: '{"from":"SFO"}',
      toolCallResult: '[]',
      conversationId: 'conv-1',
      agentName: 'booker',
      agentId: 'agent-7',
      inputMessages: [
        { role: 'system', content: 'Never book after 2025-01-01.' },
        { role: 'tool', content: '[]', toolCallId: 'call_0', name: 'search_flights' },
      ],
      outputMessages: [
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'search_flights', arguments: '{"from":"SFO"}' }],
          finishReason: 'tool_calls',
        },
      ],
      systemInstructions: 'You book flights.',
      inputValue: 'Book me SFO to JFK',
      outputValue: 'Done',
      finishReasons: ['tool_calls'],
      responseId: 'chatcmpl-1',
      errorType: 'http.500',
      cacheReadInputTokens: toLong(100n),
    },
    traceState: 'rojo=00f067aa0ba902b7',
    flags: 0x101,
    droppedAttributesCount: 3,
    droppedEventsCount: 4,
    droppedLinksCount: 5,
    receivedTimeUnixNano: ns(2_000_000_000n),
    resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.37.0',
    scopeSchemaUrl: 'https://opentelemetry.io/schemas/1.36.0',
    truncatedValueCount: 6,
    redactedValueCount: 7,
    liftedAttributeKeys: ['gen_ai.input.messages'],
  };
}

export function sessionRecord(): ISessionRecord {
  return {
    tenant: 'acme',
    sessionKey: 'sess-42',
    sessionKeySource: SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID,
    revision: 2,
    partIndex: 0,
    partCount: 3,
    spanOffset: 0,
    contentDigest: 'a3f1c2',
    closeReason: CloseReason.CLOSE_REASON_MAX_BYTES,
    truncated: true,
    evicted: false,
    summary: {
      spanCount: 3,
      traceIds: [traceId],
      turnCount: 1,
      llmCallCount: 1,
      toolCallCount: 1,
      toolErrorCount: 1,
      errorSpanCount: 1,
      inputTokens: toLong(1234n),
      outputTokens: toLong(56n),
      firstUserInput: 'Book me SFO to JFK',
      finalOutput: 'Done',
      startTimeUnixNano: ns(0n),
      endTimeUnixNano: ns(2_500_000n),
      durationNano: toLong(2_500_000n),
      serviceName: 'booking-agent',
      serviceVersion: '1.4.2',
      agentName: 'booker',
      models: ['gpt-4o-mini'],
      toolNames: ['search_flights'],
      spanBytes: toLong(12_345n),
      truncatedSpanCount: 9,
    },
    turns: [
      {
        index: 0,
        userSpanId: 'eee19b7ec3c1b100',
        userInput: 'Book me SFO to JFK',
        output: 'Done',
        startTimeUnixNano: ns(0n),
        endTimeUnixNano: ns(2_500_000n),
        steps: [
          {
            kind: StepKind.STEP_KIND_LLM_CALL,
            spanId: 'eee19b7ec3c1b101',
            name: 'gpt-4o-mini',
            toolCallId: 'call_1',
            startTimeUnixNano: ns(1_000_000n),
            endTimeUnixNano: ns(1_500_000n),
            inputTokens: toLong(1234n),
            outputTokens: toLong(56n),
          },
          {
            kind: StepKind.STEP_KIND_TOOL_CALL,
            spanId: 'eee19b7ec3c1b102',
            name: 'search_flights',
            toolCallId: 'call_1',
            resultSpanId: 'eee19b7ec3c1b103',
            error: true,
            startTimeUnixNano: ns(2_000_000n),
            endTimeUnixNano: ns(2_500_000n),
          },
        ],
      },
    ],
    spans: [spanRecord(0), spanRecord(1), spanRecord(2)],
  };
}

const objective = { id: 'airline-booking', version: 3, contentHash: '9f86d081884c7d65' };
const evidence = [{ spanId: 'eee19b7ec3c1b102', note: 'tool returned [] for search_flights', traceId }];

export function scoreRecord(): IScoreRecord {
  return {
    tenant: 'acme',
    sessionKey: 'sess-42',
    sessionRevision: 2,
    objective,
    verdict: {
      outcome: Outcome.OUTCOME_FAILED,
      failedPatterns: [{ pattern: 'tool_failure', subtype: 'silent_failure' }],
      failedRequiredEvaluators: ['tools'],
      unscoredRequiredEvaluators: ['judge'],
      score: 0.4,
    },
    scores: [
      {
        evaluatorId: 'tools',
        evaluatorType: 'tool_failures',
        evaluatorVersion: 1,
        required: true,
        weight: 2,
        score: 0.2,
        outcome: Outcome.OUTCOME_FAILED,
        pattern: { pattern: 'tool_failure', subtype: 'silent_failure' },
        evidence,
        detail: '{"emptyResults":1}',
        durationNano: toLong(1_500n),
      },
      {
        evaluatorId: 'judge',
        evaluatorType: 'llm_judge',
        evaluatorVersion: 4,
        required: true,
        weight: 1,
        outcome: Outcome.OUTCOME_UNSCORED,
        unscoredReason: 'judge unreachable: ECONNREFUSED',
        durationNano: toLong(30_000_000n),
      },
    ],
    taxonomyVersion: '1',
    scoredTimeUnixNano: ns(3_000_000_000n),
    sessionStartTimeUnixNano: ns(0n),
    sessionEndTimeUnixNano: ns(2_500_000n),
    serviceName: 'booking-agent',
    serviceVersion: '1.4.2',
    agentName: 'booker',
  };
}

export function reviewItem(): IReviewItem {
  return {
    tenant: 'acme',
    sessionKey: 'sess-42',
    sessionRevision: 2,
    objective,
    priority: 0.83,
    reasons: [
      { code: 'failed_required_evaluator', contribution: 0.5, detail: 'tools failed', evaluatorId: 'tools' },
      { code: 'tool_error_rate', contribution: 0.33, detail: '1 of 1 tool calls failed' },
    ],
    status: ReviewStatus.REVIEW_STATUS_OPEN,
    verdict: Outcome.OUTCOME_FAILED,
    patterns: [{ pattern: 'tool_failure', subtype: 'silent_failure' }],
    evidence,
    createdTimeUnixNano: ns(3_000_000_000n),
    sessionStartTimeUnixNano: ns(0n),
    sessionEndTimeUnixNano: ns(2_500_000n),
    serviceName: 'booking-agent',
    serviceVersion: '1.4.2',
    agentName: 'booker',
    firstUserInput: 'Book me SFO to JFK',
    finalOutput: 'Done',
    spanCount: 3,
    turnCount: 1,
  };
}

export function alert(): IAlert {
  return {
    alertId: 'pattern_drift/airline-booking/3/tool_failure/1732000000',
    tenant: 'acme',
    kind: AlertKind.ALERT_KIND_PATTERN_DRIFT,
    severity: AlertSeverity.ALERT_SEVERITY_WARNING,
    state: AlertState.ALERT_STATE_FIRING,
    summary: 'tool_failure rate 18% vs 6% baseline (objective airline-booking v3)',
    objective,
    pattern: { pattern: 'tool_failure' },
    metric: 'pattern_failure_rate',
    observedValue: 0.18,
    thresholdValue: 0.1,
    baselineValue: 0.06,
    sampleSize: toLong(250n),
    windowStartTimeUnixNano: ns(0n),
    windowEndTimeUnixNano: ns(3_600_000_000_000n),
    createdTimeUnixNano: ns(3_600_100_000_000n),
    source: 'monitor',
    sessions: [{ tenant: 'acme', sessionKey: 'sess-42', revision: 2 }],
    dimensions: { 'service.version': '1.4.2' },
  };
}

export function label(): ILabel {
  return {
    labelId: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
    tenant: 'acme',
    sessionKey: 'sess-42',
    sessionRevision: 2,
    outcome: Outcome.OUTCOME_FAILED,
    pattern: { pattern: 'context_saturation', subtype: 'dropped_constraint' },
    taxonomyVersion: '1',
    evidence,
    note: 'booked after the stated date',
    author: 'reviewer@acme',
    source: LabelSource.LABEL_SOURCE_IMPORT,
    createdTimeUnixNano: ns(4_000_000_000n),
    objective,
    supersedesLabelId: '6c333730-9dc0-11d1-b245-5ffdce74fad2',
    outcomeFields: { doubleValues: { reward: 0 }, intValues: { task_id: toLong(17n) } },
  };
}

export function deadLetter(): IDeadLetter {
  return {
    topic: 'tracebar.spans.v1',
    partition: 5,
    offset: toLong(123_456_789_012n),
    key: new TextEncoder().encode('acme/sess-42'),
    value: new Uint8Array([0x0a, 0xff, 0xff]),
    headers: [
      { key: 'tracebar-schema', value: new TextEncoder().encode('tracebar.v1.SpanRecord') },
      { key: 'x-retry', value: new Uint8Array([1]) },
      { key: 'x-retry', value: new Uint8Array([2]) },
    ],
    timestampUnixMs: toLong(1_732_000_000_123n),
    errorCode: 'DECODE_FAILED',
    errorMessage: 'index out of range: 3 + 255 > 3',
    consumerGroup: 'tracebar-sink',
    service: 'sink',
    deadLetteredTimeUnixNano: ns(5_000_000_000n),
    attempts: 1,
  };
}
