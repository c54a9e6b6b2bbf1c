// SpanRecord bytes → one JSONEachRow line of the `spans` table, in one pass over the wire
// format. This is the sink's hot path: decoding with the generated code and serializing the
// object costs ~19 µs a span (objects, Long instances, attribute maps built and walked);
// this costs a fraction of it (services/sink/README.md, "Benchmark"). span-row.ts builds the
// same row from a decoded SpanRecord; a test holds the two to the same result in ClickHouse.
import { SessionKeySource, SpanKind, StatusCode } from '@tracebar/proto';
import { durationNs, enumNames, floatText, nanosText, RecordRejectedError } from './clickhouse-values.js';
import { FIXED64, LENGTH_DELIMITED, VARINT, WireReader, wrongWireType } from './wire-reader.js';

export const spanKindName = enumNames(SpanKind, 'SPAN_KIND_');
export const statusCodeName = enumNames(StatusCode, 'STATUS_CODE_');
export const sessionKeySourceName = enumNames(SessionKeySource, 'SESSION_KEY_SOURCE_');

const needsEscape = /["\\\u0000-\u001f]/;

/** A string as JSON: most have nothing to escape, and a regex test is cheaper than JSON.stringify. */
function q(value: string): string {
  return needsEscape.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** The five typed attribute maps of one Attributes message, as JSON object bodies (no braces). */
interface TypedMaps {
  string: string;
  int: string;
  double: string;
  bool: string;
  bytes: string;
}

function emptyMaps(): TypedMaps {
  return { string: '', int: '', double: '', bool: '', bytes: '' };
}

/** Transcodes one encoded SpanRecord. Throws RecordRejectedError for bytes no retry can fix. */
export function spanRecordJson(bytes: Buffer): string {
  const r = new WireReader(bytes);
  let tenant = '';
  let sessionKey = '';
  let sessionKeySource = 0;
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let statusCode = 0;
  let statusMessage = '';
  let serviceName = '';
  let serviceVersion = '';
  let sessionEnd = false;
  let attributes: TypedMaps | undefined;
  let resource: TypedMaps | undefined;
  let scopeName = '';
  let scopeVersion = '';
  let scopeAttributes = '';
  let eventTimes = '';
  let eventNames = '';
  let eventAttributes = '';
  let linkTraceIds = '';
  let linkSpanIds = '';
  let linkStates = '';
  let linkAttributes = '';
  let genAi = '';
  let traceState = '';
  let flags = 0;
  let droppedAttributes = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  let receivedLo = 0;
  let receivedHi = 0;
  let resourceSchemaUrl = '';
  let scopeSchemaUrl = '';
  let truncatedValues = 0;
  let redactedValues = 0;
  let liftedKeys = '';

  const length = bytes.length;
  while (r.pos < length) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = spanRecordWireTypes[field];
    if (expected === undefined) {
      r.skip(wireType);
      continue;
    }
    if (expected !== wireType) throw wrongWireType('SpanRecord', field, wireType);
    switch (field) {
      case 1: tenant = r.string(); break;
      case 2: sessionKey = r.string(); break;
      case 3: sessionKeySource = r.uint32(); break;
      case 4: traceId = r.string(); break;
      case 5: spanId = r.string(); break;
      case 6: parentSpanId = r.string(); break;
      case 7: name = r.string(); break;
      case 8: kind = r.uint32(); break;
      case 9: r.fixed64(); startLo = r.lo; startHi = r.hi; break;
      case 10: r.fixed64(); endLo = r.lo; endHi = r.hi; break;
      case 11: statusCode = r.uint32(); break;
      case 12: statusMessage = r.string(); break;
      case 13: serviceName = r.string(); break;
      case 14: serviceVersion = r.string(); break;
      case 15: sessionEnd = r.uint32() !== 0; break;
      case 16: attributes = readTypedMaps(r, r.end(), attributes ?? emptyMaps()); break;
      case 17: resource = readTypedMaps(r, r.end(), resource ?? emptyMaps()); break;
      case 18: scopeName = r.string(); break;
      case 19: scopeVersion = r.string(); break;
      case 20: scopeAttributes = readTextMap(r, r.end(), scopeAttributes); break;
      case 21: {
        const event = readEvent(r, r.end());
        eventTimes += `,${event.time}`;
        eventNames += `,${q(event.name)}`;
        eventAttributes += `,{${event.attributes}}`;
        break;
      }
      case 22: {
        const link = readLink(r, r.end());
        linkTraceIds += `,${q(link.traceId)}`;
        linkSpanIds += `,${q(link.spanId)}`;
        linkStates += `,${q(link.traceState)}`;
        linkAttributes += `,{${link.attributes}}`;
        break;
      }
      case 23: genAi = readGenAi(r, r.end(), genAi); break;
      case 24: traceState = r.string(); break;
      case 25: flags = r.uint32(); break;
      case 26: droppedAttributes = r.uint32(); break;
      case 27: droppedEvents = r.uint32(); break;
      case 28: droppedLinks = r.uint32(); break;
      case 29: r.fixed64(); receivedLo = r.lo; receivedHi = r.hi; break;
      case 30: resourceSchemaUrl = r.string(); break;
      case 31: scopeSchemaUrl = r.string(); break;
      case 32: truncatedValues = r.uint32(); break;
      case 33: redactedValues = r.uint32(); break;
      case 34: liftedKeys += `,${q(r.string())}`; break;
    }
  }
  if (r.pos !== length) throw new RecordRejectedError('DECODE_FAILED', 'truncated protobuf message');
  if (tenant === '' || traceId === '' || spanId === '') {
    throw new RecordRejectedError('SCHEMA_INVALID', 'a span record needs tenant, trace_id and span_id');
  }

  let row =
    `{"tenant":${q(tenant)},"session_key":${q(sessionKey)},"session_key_source":${q(sessionKeySourceName(sessionKeySource))}` +
    `,"trace_id":${q(traceId)},"span_id":${q(spanId)},"parent_span_id":${q(parentSpanId)},"name":${q(name)}` +
    `,"kind":${q(spanKindName(kind))},"start_time":${nanosText(startLo, startHi, 'start_time_unix_nano')}` +
    `,"end_time":${nanosText(endLo, endHi, 'end_time_unix_nano')},"duration_ns":${durationNs(startLo, startHi, endLo, endHi)}` +
    `,"status_code":${q(statusCodeName(statusCode))},"status_message":${q(statusMessage)}` +
    `,"service_name":${q(serviceName)},"service_version":${q(serviceVersion)},"session_end":${sessionEnd}` +
    `,"scope_name":${q(scopeName)},"scope_version":${q(scopeVersion)}` +
    `,"trace_state":${q(traceState)},"flags":${flags},"dropped_attributes_count":${droppedAttributes}` +
    `,"dropped_events_count":${droppedEvents},"dropped_links_count":${droppedLinks}` +
    `,"received_time":${nanosText(receivedLo, receivedHi, 'received_time_unix_nano')}` +
    `,"resource_schema_url":${q(resourceSchemaUrl)},"scope_schema_url":${q(scopeSchemaUrl)}` +
    `,"truncated_value_count":${truncatedValues},"redacted_value_count":${redactedValues}`;
  if (attributes) row += typedMapsJson('attributes', attributes);
  if (resource) row += typedMapsJson('resource_attributes', resource);
  if (scopeAttributes !== '') row += `,"scope_attributes":{${scopeAttributes.slice(1)}}`;
  if (eventTimes !== '') {
    row += `,"event_times":[${eventTimes.slice(1)}],"event_names":[${eventNames.slice(1)}],"event_attributes":[${eventAttributes.slice(1)}]`;
  }
  if (linkTraceIds !== '') {
    row +=
      `,"link_trace_ids":[${linkTraceIds.slice(1)}],"link_span_ids":[${linkSpanIds.slice(1)}]` +
      `,"link_trace_states":[${linkStates.slice(1)}],"link_attributes":[${linkAttributes.slice(1)}]`;
  }
  if (liftedKeys !== '') row += `,"lifted_attribute_keys":[${liftedKeys.slice(1)}]`;
  return `${row}${genAi}}`;
}

// Wire type of every SpanRecord field the sink reads; other field numbers are skipped (newer
// producers add fields).
const spanRecordWireTypes: (number | undefined)[] = [];
for (const f of [1, 2, 4, 5, 6, 7, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 34]) spanRecordWireTypes[f] = LENGTH_DELIMITED;
for (const f of [3, 8, 11, 15, 25, 26, 27, 28, 32, 33]) spanRecordWireTypes[f] = VARINT;
for (const f of [9, 10, 29]) spanRecordWireTypes[f] = FIXED64;

function typedMapsJson(prefix: string, maps: TypedMaps): string {
  let out = '';
  if (maps.string !== '') out += `,"${prefix}_string":{${maps.string.slice(1)}}`;
  if (maps.int !== '') out += `,"${prefix}_int":{${maps.int.slice(1)}}`;
  if (maps.double !== '') out += `,"${prefix}_double":{${maps.double.slice(1)}}`;
  if (maps.bool !== '') out += `,"${prefix}_bool":{${maps.bool.slice(1)}}`;
  if (maps.bytes !== '') out += `,"${prefix}_bytes":{${maps.bytes.slice(1)}}`;
  return out;
}

/** One map entry (key = 1, value = 2) of an Attributes map; value typed by the map. */
function readEntry(r: WireReader, end: number, map: number): { key: string; value: string } {
  let key = '';
  let value: string | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      key = r.string();
    } else if (field === 2) {
      value = readAttributeValue(r, map, wireType);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated attribute map entry');
  return { key, value: value ?? defaultAttributeValue(map) };
}

// Map numbers are Attributes' field numbers: 1 string, 2 int64, 3 double, 4 bool, 5 bytes.
function readAttributeValue(r: WireReader, map: number, wireType: number): string {
  const expected = map === 3 ? FIXED64 : map === 2 || map === 4 ? VARINT : LENGTH_DELIMITED;
  if (wireType !== expected) throw wrongWireType('Attributes map entry', 2, wireType);
  switch (map) {
    case 1: return q(r.string());
    case 2: return r.int64Text();
    case 3: return floatText(r.double());
    case 4: return r.uint32() !== 0 ? 'true' : 'false';
    default: return `"${r.base64()}"`;
  }
}

function defaultAttributeValue(map: number): string {
  return map === 1 || map === 5 ? '""' : map === 4 ? 'false' : '0';
}

/** An Attributes message into typed maps (appending, as protobuf merges repeated occurrences). */
function readTypedMaps(r: WireReader, end: number, maps: TypedMaps): TypedMaps {
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 5 || wireType !== LENGTH_DELIMITED) {
      r.skip(wireType);
      continue;
    }
    const entry = readEntry(r, r.end(), field);
    const pair = `,${q(entry.key)}:${entry.value}`;
    switch (field) {
      case 1: maps.string += pair; break;
      case 2: maps.int += pair; break;
      case 3: maps.double += pair; break;
      case 4: maps.bool += pair; break;
      default: maps.bytes += pair;
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated Attributes');
  return maps;
}

/** An Attributes message as one map of text values (scope, event and link attributes). */
function readTextMap(r: WireReader, end: number, into: string): string {
  let out = into;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 5 || wireType !== LENGTH_DELIMITED) {
      r.skip(wireType);
      continue;
    }
    const entry = readEntry(r, r.end(), field);
    out += `,${q(entry.key)}:${field === 1 || field === 5 ? entry.value : q(unquotedText(entry.value))}`;
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated Attributes');
  return out;
}

// floatText quotes nan/inf; as map text they read like the other numbers.
function unquotedText(value: string): string {
  return value.startsWith('"') ? value.slice(1, -1) : value;
}

function readEvent(r: WireReader, end: number): { time: string; name: string; attributes: string } {
  let lo = 0;
  let hi = 0;
  let name = '';
  let attributes = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === FIXED64) {
      r.fixed64();
      lo = r.lo;
      hi = r.hi;
    } else if (field === 2 && wireType === LENGTH_DELIMITED) {
      name = r.string();
    } else if (field === 3 && wireType === LENGTH_DELIMITED) {
      attributes = readTextMap(r, r.end(), attributes);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated SpanEvent');
  return { time: nanosText(lo, hi, 'event time_unix_nano'), name, attributes: attributes.slice(1) };
}

function readLink(r: WireReader, end: number): { traceId: string; spanId: string; traceState: string; attributes: string } {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let attributes = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === LENGTH_DELIMITED && field >= 1 && field <= 4) {
      if (field === 1) traceId = r.string();
      else if (field === 2) spanId = r.string();
      else if (field === 3) traceState = r.string();
      else attributes = readTextMap(r, r.end(), attributes);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated SpanLink');
  return { traceId, spanId, traceState, attributes: attributes.slice(1) };
}

// GenAi string fields → column names; the token counts (6, 7, 8, 24) are optional int64.
const genAiStrings: (string | undefined)[] = [];
genAiStrings[1] = 'gen_ai_operation_name';
genAiStrings[2] = 'gen_ai_openinference_span_kind';
genAiStrings[3] = 'gen_ai_provider_name';
genAiStrings[4] = 'gen_ai_request_model';
genAiStrings[5] = 'gen_ai_response_model';
genAiStrings[9] = 'gen_ai_tool_name';
genAiStrings[10] = 'gen_ai_tool_call_id';
genAiStrings[11] = 'gen_ai_tool_call_arguments';
genAiStrings[12] = 'gen_ai_tool_call_result';
genAiStrings[13] = 'gen_ai_conversation_id';
genAiStrings[14] = 'gen_ai_agent_name';
genAiStrings[15] = 'gen_ai_agent_id';
genAiStrings[18] = 'gen_ai_system_instructions';
genAiStrings[19] = 'gen_ai_input_value';
genAiStrings[20] = 'gen_ai_output_value';
genAiStrings[22] = 'gen_ai_response_id';
genAiStrings[23] = 'gen_ai_error_type';
const genAiTokens: (string | undefined)[] = [];
genAiTokens[6] = 'gen_ai_input_tokens';
genAiTokens[7] = 'gen_ai_output_tokens';
genAiTokens[8] = 'gen_ai_total_tokens';
genAiTokens[24] = 'gen_ai_cache_read_input_tokens';

/**
 * The GenAi message as `,"gen_ai_…":…` members. A field set twice (two GenAi occurrences,
 * which protobuf merges) keeps its last value, as a decoder would.
 */
function readGenAi(r: WireReader, end: number, previous: string): string {
  const values = previous === '' ? new Map<string, string>() : parseMembers(previous);
  let inputMessages = values.get('gen_ai_input_messages')?.slice(1, -1) ?? '';
  let outputMessages = values.get('gen_ai_output_messages')?.slice(1, -1) ?? '';
  let finishReasons = values.get('gen_ai_finish_reasons')?.slice(1, -1) ?? '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    const column = genAiStrings[field];
    if (column !== undefined && wireType === LENGTH_DELIMITED) {
      values.set(column, q(r.string()));
    } else if (genAiTokens[field] !== undefined && wireType === VARINT) {
      values.set(genAiTokens[field] as string, r.int64Text());
    } else if ((field === 16 || field === 17) && wireType === LENGTH_DELIMITED) {
      const message = readMessage(r, r.end());
      if (field === 16) inputMessages += (inputMessages === '' ? '' : ',') + message;
      else outputMessages += (outputMessages === '' ? '' : ',') + message;
    } else if (field === 21 && wireType === LENGTH_DELIMITED) {
      finishReasons += (finishReasons === '' ? '' : ',') + q(r.string());
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated GenAi');
  if (inputMessages !== '') values.set('gen_ai_input_messages', `[${inputMessages}]`);
  if (outputMessages !== '') values.set('gen_ai_output_messages', `[${outputMessages}]`);
  if (finishReasons !== '') values.set('gen_ai_finish_reasons', `[${finishReasons}]`);
  let out = '';
  for (const [column, value] of values) out += `,"${column}":${value}`;
  return out;
}

// Only reached when a record carries GenAi twice, which no tracebar producer does.
function parseMembers(members: string): Map<string, string> {
  const parsed = JSON.parse(`{${members.slice(1)}}`) as Record<string, unknown>;
  return new Map(Object.entries(parsed).map(([k, v]) => [k, JSON.stringify(v)]));
}

function readMessage(r: WireReader, end: number): string {
  let role = '';
  let content = '';
  let toolCalls = '';
  let toolCallId = '';
  let name = '';
  let finishReason = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType !== LENGTH_DELIMITED || field < 1 || field > 6) {
      r.skip(wireType);
      continue;
    }
    switch (field) {
      case 1: role = r.string(); break;
      case 2: content = r.string(); break;
      case 3: toolCalls += (toolCalls === '' ? '' : ',') + readToolCall(r, r.end()); break;
      case 4: toolCallId = r.string(); break;
      case 5: name = r.string(); break;
      default: finishReason = r.string();
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated GenAiMessage');
  return (
    `{"role":${q(role)},"content":${q(content)},"tool_calls":[${toolCalls}],"tool_call_id":${q(toolCallId)}` +
    `,"name":${q(name)},"finish_reason":${q(finishReason)}}`
  );
}

function readToolCall(r: WireReader, end: number): string {
  let id = '';
  let name = '';
  let args = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType !== LENGTH_DELIMITED || field < 1 || field > 3) {
      r.skip(wireType);
      continue;
    }
    if (field === 1) id = r.string();
    else if (field === 2) name = r.string();
    else args = r.string();
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated GenAiToolCall');
  return `{"id":${q(id)},"name":${q(name)},"arguments":${q(args)}}`;
}
