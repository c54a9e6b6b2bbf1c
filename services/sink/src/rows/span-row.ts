// SpanRecord (decoded with the generated code) → a `spans` row object. The sink writes spans
// with span-json.ts, which is several times cheaper; this is the readable statement of the
// same mapping, used by the benchmark's baseline and by the test that holds the two equal.
import type { IAttributes, IGenAiMessage, ISpanRecord } from '@tracebar/proto';
import { durationNs, floatText, longNanos, longText, RecordRejectedError, type Long } from './clickhouse-values.js';
import { sessionKeySourceName, spanKindName, statusCodeName } from './span-json.js';

export type Row = Record<string, unknown>;

function halves(value: Long | number | null | undefined): [number, number] {
  if (value === null || value === undefined) return [0, 0];
  if (typeof value === 'number') return [value % 0x1_0000_0000, Math.floor(value / 0x1_0000_0000)];
  return [value.low, value.high];
}

/** Typed attribute maps under `<prefix>_string`, `_int`, ... (int64 as text, bytes as base64). */
export function typedAttributeColumns(prefix: string, attributes: IAttributes | null | undefined): Row {
  const a = attributes ?? {};
  return {
    [`${prefix}_string`]: { ...a.stringValues },
    [`${prefix}_int`]: mapValues(a.intValues, (v) => longText(v)),
    [`${prefix}_double`]: mapValues(a.doubleValues, (v) => floatValue(v)),
    [`${prefix}_bool`]: { ...a.boolValues },
    [`${prefix}_bytes`]: mapValues(a.bytesValues, (v) => Buffer.from(v).toString('base64')),
  };
}

/** Every value of an Attributes message as text, in one map. */
export function textAttributes(attributes: IAttributes | null | undefined): Record<string, string> {
  const a = attributes ?? {};
  return {
    ...a.stringValues,
    ...mapValues(a.intValues, (v) => longText(v)),
    ...mapValues(a.doubleValues, (v) => unquote(floatText(v))),
    ...mapValues(a.boolValues, (v) => String(v)),
    ...mapValues(a.bytesValues, (v) => Buffer.from(v).toString('base64')),
  };
}

export function spanRow(span: ISpanRecord): Row {
  if (!span.tenant || !span.traceId || !span.spanId) {
    throw new RecordRejectedError('SCHEMA_INVALID', 'a span record needs tenant, trace_id and span_id');
  }
  const [startLo, startHi] = halves(span.startTimeUnixNano);
  const [endLo, endHi] = halves(span.endTimeUnixNano);
  const g = span.genAi ?? {};
  const nullableLong = (v: Long | number | null | undefined) => (v === null || v === undefined ? null : longText(v));
  return {
    tenant: span.tenant,
    session_key: span.sessionKey ?? '',
    session_key_source: sessionKeySourceName(span.sessionKeySource),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? '',
    name: span.name ?? '',
    kind: spanKindName(span.kind),
    start_time: longNanos(span.startTimeUnixNano, 'start_time_unix_nano'),
    end_time: longNanos(span.endTimeUnixNano, 'end_time_unix_nano'),
    duration_ns: durationNs(startLo, startHi, endLo, endHi),
    status_code: statusCodeName(span.statusCode),
    status_message: span.statusMessage ?? '',
    service_name: span.serviceName ?? '',
    service_version: span.serviceVersion ?? '',
    session_end: span.sessionEnd ?? false,
    scope_name: span.scopeName ?? '',
    scope_version: span.scopeVersion ?? '',
    gen_ai_operation_name: g.operationName ?? '',
    gen_ai_openinference_span_kind: g.openinferenceSpanKind ?? '',
    gen_ai_provider_name: g.providerName ?? '',
    gen_ai_request_model: g.requestModel ?? '',
    gen_ai_response_model: g.responseModel ?? '',
    gen_ai_input_tokens: nullableLong(g.inputTokens),
    gen_ai_output_tokens: nullableLong(g.outputTokens),
    gen_ai_total_tokens: nullableLong(g.totalTokens),
    gen_ai_cache_read_input_tokens: nullableLong(g.cacheReadInputTokens),
    gen_ai_tool_name: g.toolName ?? '',
    gen_ai_tool_call_id: g.toolCallId ?? '',
    gen_ai_tool_call_arguments: g.toolCallArguments ?? '',
    gen_ai_tool_call_result: g.toolCallResult ?? '',
    gen_ai_conversation_id: g.conversationId ?? '',
    gen_ai_agent_name: g.agentName ?? '',
    gen_ai_agent_id: g.agentId ?? '',
    gen_ai_input_messages: (g.inputMessages ?? []).map(messageTuple),
    gen_ai_output_messages: (g.outputMessages ?? []).map(messageTuple),
    gen_ai_system_instructions: g.systemInstructions ?? '',
    gen_ai_input_value: g.inputValue ?? '',
    gen_ai_output_value: g.outputValue ?? '',
    gen_ai_finish_reasons: g.finishReasons ?? [],
    gen_ai_response_id: g.responseId ?? '',
    gen_ai_error_type: g.errorType ?? '',
    ...typedAttributeColumns('attributes', span.attributes),
    ...typedAttributeColumns('resource_attributes', span.resourceAttributes),
    scope_attributes: textAttributes(span.scopeAttributes),
    event_times: (span.events ?? []).map((e) => longNanos(e.timeUnixNano, 'event time_unix_nano')),
    event_names: (span.events ?? []).map((e) => e.name ?? ''),
    event_attributes: (span.events ?? []).map((e) => textAttributes(e.attributes)),
    link_trace_ids: (span.links ?? []).map((l) => l.traceId ?? ''),
    link_span_ids: (span.links ?? []).map((l) => l.spanId ?? ''),
    link_trace_states: (span.links ?? []).map((l) => l.traceState ?? ''),
    link_attributes: (span.links ?? []).map((l) => textAttributes(l.attributes)),
    trace_state: span.traceState ?? '',
    flags: span.flags ?? 0,
    dropped_attributes_count: span.droppedAttributesCount ?? 0,
    dropped_events_count: span.droppedEventsCount ?? 0,
    dropped_links_count: span.droppedLinksCount ?? 0,
    received_time: longNanos(span.receivedTimeUnixNano, 'received_time_unix_nano'),
    resource_schema_url: span.resourceSchemaUrl ?? '',
    scope_schema_url: span.scopeSchemaUrl ?? '',
    truncated_value_count: span.truncatedValueCount ?? 0,
    redacted_value_count: span.redactedValueCount ?? 0,
    lifted_attribute_keys: span.liftedAttributeKeys ?? [],
  };
}

function messageTuple(m: IGenAiMessage): Row {
  return {
    role: m.role ?? '',
    content: m.content ?? '',
    tool_calls: (m.toolCalls ?? []).map((c) => ({ id: c.id ?? '', name: c.name ?? '', arguments: c.arguments ?? '' })),
    tool_call_id: m.toolCallId ?? '',
    name: m.name ?? '',
    finish_reason: m.finishReason ?? '',
  };
}

function mapValues<V, R>(map: Record<string, V> | null | undefined, f: (v: V) => R): Record<string, R> {
  const out: Record<string, R> = {};
  if (map) for (const [k, v] of Object.entries(map)) out[k] = f(v);
  return out;
}

/** A float as the JSON value ClickHouse reads: a number, or "nan"/"inf" text (JSON has neither). */
export function floatValue(value: number): number | string {
  return Number.isFinite(value) ? value : unquote(floatText(value));
}

function unquote(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1) : text;
}
