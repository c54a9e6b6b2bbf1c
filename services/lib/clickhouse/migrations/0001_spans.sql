-- Every span as ingest normalized it (tracebar.spans.v1, one row per SpanRecord).
-- Identity: (tenant, trace_id, span_id). Written by the sink with insert deduplication tokens,
-- so a redelivered record is dropped at insert; ReplacingMergeTree removes any copy that still
-- slips through (see services/sink/README.md) when parts merge, and FINAL removes it at read.
-- Enum-like columns hold the lowercase value name without the enum prefix (e.g. kind 'client',
-- status_code 'error'); a value unknown to the sink is stored as its number.
CREATE TABLE IF NOT EXISTS spans
(
    tenant LowCardinality(String),
    session_key String CODEC(ZSTD(1)),
    session_key_source LowCardinality(String),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    name LowCardinality(String),
    kind LowCardinality(String),
    start_time DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    end_time DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    status_code LowCardinality(String),
    status_message String CODEC(ZSTD(1)),
    service_name LowCardinality(String),
    service_version LowCardinality(String),
    session_end Bool,
    scope_name LowCardinality(String),
    scope_version LowCardinality(String),

    gen_ai_operation_name LowCardinality(String),
    gen_ai_openinference_span_kind LowCardinality(String),
    gen_ai_provider_name LowCardinality(String),
    gen_ai_request_model LowCardinality(String),
    gen_ai_response_model LowCardinality(String),
    gen_ai_input_tokens Nullable(Int64),
    gen_ai_output_tokens Nullable(Int64),
    gen_ai_total_tokens Nullable(Int64),
    gen_ai_cache_read_input_tokens Nullable(Int64),
    gen_ai_tool_name LowCardinality(String),
    gen_ai_tool_call_id String CODEC(ZSTD(1)),
    gen_ai_tool_call_arguments String CODEC(ZSTD(3)),
    gen_ai_tool_call_result String CODEC(ZSTD(3)),
    gen_ai_conversation_id String CODEC(ZSTD(1)),
    gen_ai_agent_name LowCardinality(String),
    gen_ai_agent_id String CODEC(ZSTD(1)),
    gen_ai_input_messages Array(Tuple(
        role LowCardinality(String),
        content String,
        tool_calls Array(Tuple(id String, name String, arguments String)),
        tool_call_id String,
        name String,
        finish_reason LowCardinality(String))) CODEC(ZSTD(3)),
    gen_ai_output_messages Array(Tuple(
        role LowCardinality(String),
        content String,
        tool_calls Array(Tuple(id String, name String, arguments String)),
        tool_call_id String,
        name String,
        finish_reason LowCardinality(String))) CODEC(ZSTD(3)),
    gen_ai_system_instructions String CODEC(ZSTD(3)),
    gen_ai_input_value String CODEC(ZSTD(3)),
    gen_ai_output_value String CODEC(ZSTD(3)),
    gen_ai_finish_reasons Array(LowCardinality(String)),
    gen_ai_response_id String CODEC(ZSTD(1)),
    gen_ai_error_type LowCardinality(String),

    -- Attributes keep their OTLP value type, one map per type (a key is in at most one).
    -- Bytes values are base64 text.
    attributes_string Map(String, String) CODEC(ZSTD(1)),
    attributes_int Map(String, Int64) CODEC(ZSTD(1)),
    attributes_double Map(String, Float64) CODEC(ZSTD(1)),
    attributes_bool Map(String, Bool) CODEC(ZSTD(1)),
    attributes_bytes Map(String, String) CODEC(ZSTD(1)),
    resource_attributes_string Map(String, String) CODEC(ZSTD(1)),
    resource_attributes_int Map(String, Int64) CODEC(ZSTD(1)),
    resource_attributes_double Map(String, Float64) CODEC(ZSTD(1)),
    resource_attributes_bool Map(String, Bool) CODEC(ZSTD(1)),
    resource_attributes_bytes Map(String, String) CODEC(ZSTD(1)),
    -- Scope, event and link attributes are rare and small: one map each, values as text.
    scope_attributes Map(String, String) CODEC(ZSTD(1)),

    event_times Array(DateTime64(9, 'UTC')) CODEC(ZSTD(1)),
    event_names Array(LowCardinality(String)),
    event_attributes Array(Map(String, String)) CODEC(ZSTD(3)),
    link_trace_ids Array(String) CODEC(ZSTD(1)),
    link_span_ids Array(String) CODEC(ZSTD(1)),
    link_trace_states Array(String) CODEC(ZSTD(1)),
    link_attributes Array(Map(String, String)) CODEC(ZSTD(3)),

    trace_state String CODEC(ZSTD(1)),
    flags UInt32,
    dropped_attributes_count UInt32,
    dropped_events_count UInt32,
    dropped_links_count UInt32,
    received_time DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    resource_schema_url LowCardinality(String),
    scope_schema_url LowCardinality(String),
    truncated_value_count UInt32,
    redacted_value_count UInt32,
    lifted_attribute_keys Array(LowCardinality(String)),

    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_span_id span_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (tenant, session_key, start_time, trace_id, span_id)
TTL toDateTime(start_time) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
