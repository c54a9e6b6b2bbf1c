-- One row per session revision (tracebar.sessions.v1): the summary and turns the sessionizer
-- assembled. The spans themselves are in `spans`. Identity: (tenant, session_key, revision);
-- a re-emitted revision has the same content, so the engine keeps one copy of it. Every
-- revision stays; `sessions_latest` (0009) shows the newest revision of each session.
-- Split records (part_count > 1): the row comes from part 0, which holds summary and turns.
CREATE TABLE IF NOT EXISTS sessions
(
    tenant LowCardinality(String),
    session_key String CODEC(ZSTD(1)),
    revision UInt32,
    session_key_source LowCardinality(String),
    content_digest String CODEC(ZSTD(1)),
    close_reason LowCardinality(String),
    truncated Bool,
    evicted Bool,
    part_count UInt32,

    span_count UInt32,
    trace_ids Array(String) CODEC(ZSTD(1)),
    turn_count UInt32,
    llm_call_count UInt32,
    tool_call_count UInt32,
    tool_error_count UInt32,
    error_span_count UInt32,
    input_tokens Int64,
    output_tokens Int64,
    first_user_input String CODEC(ZSTD(3)),
    final_output String CODEC(ZSTD(3)),
    start_time DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    end_time DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    service_name LowCardinality(String),
    service_version LowCardinality(String),
    agent_name LowCardinality(String),
    models Array(LowCardinality(String)),
    tool_names Array(LowCardinality(String)),
    span_bytes UInt64,
    truncated_span_count UInt32,
    turns Array(Tuple(
        index UInt32,
        user_span_id String,
        user_input String,
        output String,
        start_time DateTime64(9, 'UTC'),
        end_time DateTime64(9, 'UTC'),
        steps Array(Tuple(
            kind LowCardinality(String),
            span_id String,
            name String,
            tool_call_id String,
            result_span_id String,
            error Bool,
            start_time DateTime64(9, 'UTC'),
            end_time DateTime64(9, 'UTC'),
            input_tokens Int64,
            output_tokens Int64)))) CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (tenant, session_key, revision)
TTL toDateTime(start_time) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
