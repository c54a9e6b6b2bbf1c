// SpanRecord bytes → `spans` rows inside the embedded engine: ClickHouse's `Protobuf` input
// format reads the records as they are, and one INSERT … SELECT turns them into the row the
// RowBinary transcoder (span-row-binary.ts) would write. The sink only checks each record's
// top level and frames it (a length prefix and a copy), ~10× less JavaScript than transcoding.
//
// The engine reads the records through a storage view of SpanRecord (`spanStorageProto`): the
// same field numbers and wire types as proto/tracebar/v1/span.proto (a test holds them to it),
// but enums and bools as integers, so that an enum number added later is kept as its number
// instead of being refused, and map bools cut to 32 bits as the transcoder reads them (the
// top-level varints are checked to fit 32 bits before a record is framed, span-frame.ts).
// Values the engine formats differently from JavaScript are converted in the SELECT (floats as
// text, base64 bytes, enum names). The schema is written to an absolute path (the chDB data
// folder), which embedded ClickHouse (clickhouse-local) accepts in `format_schema`; a server
// accepts only names under its own format_schema_path, so a server always gets RowBinary.
import { createHash } from 'node:crypto';
import { sessionKeySourceName, spanKindName, statusCodeName } from './span-json.js';
import { spanBinaryColumns } from './span-row-binary.js';

const attributes = `
message Attributes {
  map<string, string> string_values = 1;
  map<string, int64> int_values = 2;
  map<string, double> double_values = 3;
  map<string, uint64> bool_values = 4;
  map<string, bytes> bytes_values = 5;
}`;

/** SpanRecord as the engine reads it; wire-compatible with tracebar.v1.SpanRecord. */
export const spanStorageProto = `// Written by @tracebar/sink: a storage view of tracebar.v1.SpanRecord (same field numbers
// and wire types; enums and bool read as uint32, map bools as uint64).
syntax = "proto3";
package tracebar.sink.v1;
${attributes}
message SpanEvent {
  fixed64 time_unix_nano = 1;
  string name = 2;
  Attributes attributes = 3;
}
message SpanLink {
  string trace_id = 1;
  string span_id = 2;
  string trace_state = 3;
  Attributes attributes = 4;
}
message GenAiToolCall {
  string id = 1;
  string name = 2;
  string arguments = 3;
}
message GenAiMessage {
  string role = 1;
  string content = 2;
  repeated GenAiToolCall tool_calls = 3;
  string tool_call_id = 4;
  string name = 5;
  string finish_reason = 6;
}
message GenAi {
  string operation_name = 1;
  string openinference_span_kind = 2;
  string provider_name = 3;
  string request_model = 4;
  string response_model = 5;
  optional int64 input_tokens = 6;
  optional int64 output_tokens = 7;
  optional int64 total_tokens = 8;
  string tool_name = 9;
  string tool_call_id = 10;
  string tool_call_arguments = 11;
  string tool_call_result = 12;
  string conversation_id = 13;
  string agent_name = 14;
  string agent_id = 15;
  repeated GenAiMessage input_messages = 16;
  repeated GenAiMessage output_messages = 17;
  string system_instructions = 18;
  string input_value = 19;
  string output_value = 20;
  repeated string finish_reasons = 21;
  string response_id = 22;
  string error_type = 23;
  optional int64 cache_read_input_tokens = 24;
}
message SpanRecord {
  string tenant = 1;
  string session_key = 2;
  uint32 session_key_source = 3;
  string trace_id = 4;
  string span_id = 5;
  string parent_span_id = 6;
  string name = 7;
  uint32 kind = 8;
  fixed64 start_time_unix_nano = 9;
  fixed64 end_time_unix_nano = 10;
  uint32 status_code = 11;
  string status_message = 12;
  string service_name = 13;
  string service_version = 14;
  uint32 session_end = 15;
  Attributes attributes = 16;
  Attributes resource_attributes = 17;
  string scope_name = 18;
  string scope_version = 19;
  Attributes scope_attributes = 20;
  repeated SpanEvent events = 21;
  repeated SpanLink links = 22;
  GenAi gen_ai = 23;
  string trace_state = 24;
  uint32 flags = 25;
  uint32 dropped_attributes_count = 26;
  uint32 dropped_events_count = 27;
  uint32 dropped_links_count = 28;
  fixed64 received_time_unix_nano = 29;
  string resource_schema_url = 30;
  string scope_schema_url = 31;
  uint32 truncated_value_count = 32;
  uint32 redacted_value_count = 33;
  repeated string lifted_attribute_keys = 34;
}
`;

/** File name of the schema: versioned by content, so a changed schema never meets a stale file. */
export const spanStorageProtoFile = `tracebar-span-record-${createHash('sha256').update(spanStorageProto).digest('hex').slice(0, 12)}.proto`;
export const spanStorageMessage = 'SpanRecord';

const attributesType =
  'Tuple(string_values Map(String, String), int_values Map(String, Int64), double_values Map(String, Float64), bool_values Map(String, UInt64), bytes_values Map(String, String))';
const messageType = 'Array(Tuple(role String, content String, tool_calls Array(Tuple(id String, name String, arguments String)), tool_call_id String, name String, finish_reason String))';

/** The structure `file(…, 'Protobuf', structure)` reads: column names are the schema's field paths. */
export const spanProtobufStructure = [
  'tenant String', 'session_key String', 'session_key_source UInt32', 'trace_id String', 'span_id String', 'parent_span_id String',
  'name String', 'kind UInt32', 'start_time_unix_nano UInt64', 'end_time_unix_nano UInt64', 'status_code UInt32',
  'status_message String', 'service_name String', 'service_version String', 'session_end UInt32',
  `attributes ${attributesType}`, `resource_attributes ${attributesType}`, 'scope_name String', 'scope_version String',
  `scope_attributes ${attributesType}`,
  `events Array(Tuple(time_unix_nano UInt64, name String, attributes ${attributesType}))`,
  `links Array(Tuple(trace_id String, span_id String, trace_state String, attributes ${attributesType}))`,
  'gen_ai Tuple(operation_name String, openinference_span_kind String, provider_name String, request_model String, response_model String, ' +
    'input_tokens Nullable(Int64), output_tokens Nullable(Int64), total_tokens Nullable(Int64), tool_name String, tool_call_id String, ' +
    'tool_call_arguments String, tool_call_result String, conversation_id String, agent_name String, agent_id String, ' +
    `input_messages ${messageType}, output_messages ${messageType}, system_instructions String, input_value String, output_value String, ` +
    'finish_reasons Array(String), response_id String, error_type String, cache_read_input_tokens Nullable(Int64))',
  'trace_state String', 'flags UInt32', 'dropped_attributes_count UInt32', 'dropped_events_count UInt32', 'dropped_links_count UInt32',
  'received_time_unix_nano UInt64', 'resource_schema_url String', 'scope_schema_url String', 'truncated_value_count UInt32',
  'redacted_value_count UInt32', 'lifted_attribute_keys Array(String)',
].join(', ');

/** An enum number as the transcoder writes it: its lowercase name, else the number as text. */
function enumName(column: string, name: (value: number) => string): string {
  const numbers = [0, 1, 2, 3, 4, 5, 6, 7].filter((n) => name(n) !== String(n));
  const names = numbers.map((n) => `'${name(n)}'`);
  return `transform(${column}, [${numbers.join(', ')}], [${names.join(', ')}], toString(${column}))`;
}
const nanos = (column: string) => `fromUnixTimestamp64Nano(toInt64(${column}), 'UTC')`;

/** A double as JavaScript's String(number) writes it ('1e+21', '0' for -0), and nan/inf/-inf. */
const floatText = (value: string) => `if(${value} = 0, '0', replaceRegexpOne(toString(${value}), 'e(\\\\d)', 'e+\\\\1'))`;

/** One Attributes tuple as a single text map, in the order of its five maps (as ingest writes them). */
function textMap(a: string): string {
  return (
    `mapFromArrays(arrayConcat(mapKeys(${a}.1), mapKeys(${a}.2), mapKeys(${a}.3), mapKeys(${a}.4), mapKeys(${a}.5)), ` +
    `arrayConcat(mapValues(${a}.1), arrayMap(v -> toString(v), mapValues(${a}.2)), arrayMap(v -> ${floatText('v')}, mapValues(${a}.3)), ` +
    `arrayMap(v -> if(bitAnd(v, 4294967295) != 0, 'true', 'false'), mapValues(${a}.4)), arrayMap(v -> base64Encode(v), mapValues(${a}.5))))`
  );
}

const boolMap = (m: string) => `mapApply((k, v) -> (k, bitAnd(v, 4294967295) != 0), ${m})`;
const base64Map = (m: string) => `mapApply((k, v) -> (k, base64Encode(v)), ${m})`;

/** The SELECT list, one expression per `spanBinaryColumns` entry, in that order. */
const expressions: Record<(typeof spanBinaryColumns)[number], string> = {
  tenant: 'tenant',
  session_key: 'session_key',
  session_key_source: enumName('session_key_source', sessionKeySourceName),
  trace_id: 'trace_id',
  span_id: 'span_id',
  parent_span_id: 'parent_span_id',
  name: 'name',
  kind: enumName('kind', spanKindName),
  start_time: nanos('start_time_unix_nano'),
  end_time: nanos('end_time_unix_nano'),
  // The transcoder computes the difference in floating point: exact below 2^53 ns, rounded alike above.
  duration_ns: 'if(end_time_unix_nano > start_time_unix_nano, toUInt64(toFloat64(end_time_unix_nano - start_time_unix_nano)), 0)',
  status_code: enumName('status_code', statusCodeName),
  status_message: 'status_message',
  service_name: 'service_name',
  service_version: 'service_version',
  session_end: 'session_end != 0',
  scope_name: 'scope_name',
  scope_version: 'scope_version',
  gen_ai_operation_name: 'gen_ai.operation_name',
  gen_ai_openinference_span_kind: 'gen_ai.openinference_span_kind',
  gen_ai_provider_name: 'gen_ai.provider_name',
  gen_ai_request_model: 'gen_ai.request_model',
  gen_ai_response_model: 'gen_ai.response_model',
  gen_ai_input_tokens: 'gen_ai.input_tokens',
  gen_ai_output_tokens: 'gen_ai.output_tokens',
  gen_ai_total_tokens: 'gen_ai.total_tokens',
  gen_ai_cache_read_input_tokens: 'gen_ai.cache_read_input_tokens',
  gen_ai_tool_name: 'gen_ai.tool_name',
  gen_ai_tool_call_id: 'gen_ai.tool_call_id',
  gen_ai_tool_call_arguments: 'gen_ai.tool_call_arguments',
  gen_ai_tool_call_result: 'gen_ai.tool_call_result',
  gen_ai_conversation_id: 'gen_ai.conversation_id',
  gen_ai_agent_name: 'gen_ai.agent_name',
  gen_ai_agent_id: 'gen_ai.agent_id',
  gen_ai_input_messages: 'gen_ai.input_messages',
  gen_ai_output_messages: 'gen_ai.output_messages',
  gen_ai_system_instructions: 'gen_ai.system_instructions',
  gen_ai_input_value: 'gen_ai.input_value',
  gen_ai_output_value: 'gen_ai.output_value',
  gen_ai_finish_reasons: 'gen_ai.finish_reasons',
  gen_ai_response_id: 'gen_ai.response_id',
  gen_ai_error_type: 'gen_ai.error_type',
  attributes_string: 'attributes.string_values',
  attributes_int: 'attributes.int_values',
  attributes_double: 'attributes.double_values',
  attributes_bool: boolMap('attributes.bool_values'),
  attributes_bytes: base64Map('attributes.bytes_values'),
  resource_attributes_string: 'resource_attributes.string_values',
  resource_attributes_int: 'resource_attributes.int_values',
  resource_attributes_double: 'resource_attributes.double_values',
  resource_attributes_bool: boolMap('resource_attributes.bool_values'),
  resource_attributes_bytes: base64Map('resource_attributes.bytes_values'),
  scope_attributes: textMap('scope_attributes'),
  event_times: `arrayMap(t -> ${nanos('t')}, events.time_unix_nano)`,
  event_names: 'events.name',
  event_attributes: `arrayMap(a -> ${textMap('a')}, events.attributes)`,
  link_trace_ids: 'links.trace_id',
  link_span_ids: 'links.span_id',
  link_trace_states: 'links.trace_state',
  link_attributes: `arrayMap(a -> ${textMap('a')}, links.attributes)`,
  trace_state: 'trace_state',
  flags: 'flags',
  dropped_attributes_count: 'dropped_attributes_count',
  dropped_events_count: 'dropped_events_count',
  dropped_links_count: 'dropped_links_count',
  received_time: nanos('received_time_unix_nano'),
  resource_schema_url: 'resource_schema_url',
  scope_schema_url: 'scope_schema_url',
  truncated_value_count: 'truncated_value_count',
  redacted_value_count: 'redacted_value_count',
  lifted_attribute_keys: 'lifted_attribute_keys',
};

function quoted(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * The statement inserting the length-delimited SpanRecords in `file` (read with the schema at
 * `schemaPath`, an absolute path) into `table`. Settings (the deduplication token, the schema)
 * go with the call.
 */
export function spanProtobufInsert(table: string, file: string): string {
  const select = spanBinaryColumns.map((c) => expressions[c]).join(',\n  ');
  return `INSERT INTO ${table} (${spanBinaryColumns.join(', ')})\nSELECT\n  ${select}\nFROM file(${quoted(file)}, 'Protobuf', ${quoted(spanProtobufStructure)})`;
}
