// SessionRecord → one `sessions` row. The record carries every span of the session (up to the
// topic's 8 MiB); the spans table already has them from the spans topic, so they are cut out
// of the bytes before decoding instead of being decoded and thrown away.
import { CloseReason, SessionRecord, StepKind, type ISessionRecord, type ITurn } from '@tracebar/proto';
import { enumNames, longNanos, longText, RecordRejectedError } from './clickhouse-values.js';
import { requireFields } from './common-columns.js';
import { sessionKeySourceName } from './span-json.js';
import type { Row } from './span-row.js';
import { LENGTH_DELIMITED, WireReader } from './wire-reader.js';

const closeReasonName = enumNames(CloseReason, 'CLOSE_REASON_');
const stepKindName = enumNames(StepKind, 'STEP_KIND_');

/** SessionRecord.spans (field 14). */
const spansField = 14;

/** The record without its spans field, decoded. Throws RecordRejectedError on malformed bytes. */
export function decodeSessionWithoutSpans(bytes: Buffer): SessionRecord {
  const r = new WireReader(bytes);
  const kept: Buffer[] = [];
  let keepFrom = 0;
  try {
    while (r.pos < bytes.length) {
      const fieldStart = r.pos;
      const tag = r.uint32();
      r.skip(tag & 7);
      if (tag >>> 3 === spansField && (tag & 7) === LENGTH_DELIMITED) {
        if (fieldStart > keepFrom) kept.push(bytes.subarray(keepFrom, fieldStart));
        keepFrom = r.pos;
      }
    }
    if (r.pos !== bytes.length) throw new RecordRejectedError('DECODE_FAILED', 'truncated protobuf message');
    if (keepFrom < bytes.length) kept.push(bytes.subarray(keepFrom));
    return SessionRecord.decode(kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept));
  } catch (error) {
    if (error instanceof RecordRejectedError) throw error;
    throw new RecordRejectedError('DECODE_FAILED', `SessionRecord: ${(error as Error).message}`);
  }
}

/**
 * The sessions row of a record, or undefined for parts after the first of a split record (part 0
 * carries the summary and turns; later parts only spans).
 */
export function sessionRow(record: ISessionRecord): Row | undefined {
  requireFields('a session record', { tenant: record.tenant, session_key: record.sessionKey, revision: record.revision });
  if ((record.partIndex ?? 0) > 0) return undefined;
  const s = record.summary ?? {};
  const start = longNanos(s.startTimeUnixNano, 'summary.start_time_unix_nano');
  return {
    tenant: record.tenant,
    session_key: record.sessionKey,
    revision: record.revision,
    session_key_source: sessionKeySourceName(record.sessionKeySource),
    content_digest: record.contentDigest ?? '',
    close_reason: closeReasonName(record.closeReason),
    truncated: record.truncated ?? false,
    evicted: record.evicted ?? false,
    part_count: record.partCount ?? 0,
    span_count: s.spanCount ?? 0,
    trace_ids: s.traceIds ?? [],
    turn_count: s.turnCount ?? 0,
    llm_call_count: s.llmCallCount ?? 0,
    tool_call_count: s.toolCallCount ?? 0,
    tool_error_count: s.toolErrorCount ?? 0,
    error_span_count: s.errorSpanCount ?? 0,
    input_tokens: longText(s.inputTokens),
    output_tokens: longText(s.outputTokens),
    first_user_input: s.firstUserInput ?? '',
    final_output: s.finalOutput ?? '',
    start_time: start,
    end_time: longNanos(s.endTimeUnixNano, 'summary.end_time_unix_nano'),
    duration_ns: longText(s.durationNano),
    service_name: s.serviceName ?? '',
    service_version: s.serviceVersion ?? '',
    agent_name: s.agentName ?? '',
    models: s.models ?? [],
    tool_names: s.toolNames ?? [],
    span_bytes: longText(s.spanBytes),
    truncated_span_count: s.truncatedSpanCount ?? 0,
    turns: (record.turns ?? []).map(turnTuple),
  };
}

function turnTuple(turn: ITurn): Row {
  return {
    index: turn.index ?? 0,
    user_span_id: turn.userSpanId ?? '',
    user_input: turn.userInput ?? '',
    output: turn.output ?? '',
    start_time: longNanos(turn.startTimeUnixNano, 'turn start_time_unix_nano'),
    end_time: longNanos(turn.endTimeUnixNano, 'turn end_time_unix_nano'),
    steps: (turn.steps ?? []).map((step) => ({
      kind: stepKindName(step.kind),
      span_id: step.spanId ?? '',
      name: step.name ?? '',
      tool_call_id: step.toolCallId ?? '',
      result_span_id: step.resultSpanId ?? '',
      error: step.error ?? false,
      start_time: longNanos(step.startTimeUnixNano, 'step start_time_unix_nano'),
      end_time: longNanos(step.endTimeUnixNano, 'step end_time_unix_nano'),
      input_tokens: longText(step.inputTokens),
      output_tokens: longText(step.outputTokens),
    })),
  };
}
