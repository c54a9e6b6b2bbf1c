-- The review queue (tracebar.review.v1): one item per failing or suspicious (session revision,
-- objective version). A later item for the same key (a re-scoring, a status change) replaces the
-- earlier one: ReplacingMergeTree keeps the latest created_time, so read with FINAL.
CREATE TABLE IF NOT EXISTS review_items
(
    tenant LowCardinality(String),
    session_key String CODEC(ZSTD(1)),
    session_revision UInt32,
    objective_id LowCardinality(String),
    objective_version UInt32,
    objective_content_hash LowCardinality(String),
    priority Float64,
    reasons Array(Tuple(code LowCardinality(String), contribution Float64, detail String, evaluator_id LowCardinality(String))) CODEC(ZSTD(3)),
    status LowCardinality(String),
    verdict LowCardinality(String),
    -- patterns[i] / subtypes[i] belong together.
    patterns Array(LowCardinality(String)),
    subtypes Array(LowCardinality(String)),
    evidence Array(Tuple(span_id String, trace_id String, note String)) CODEC(ZSTD(3)),
    created_time DateTime64(9, 'UTC'),
    session_start_time DateTime64(9, 'UTC'),
    session_end_time DateTime64(9, 'UTC'),
    service_name LowCardinality(String),
    service_version LowCardinality(String),
    agent_name LowCardinality(String),
    first_user_input String CODEC(ZSTD(3)),
    final_output String CODEC(ZSTD(3)),
    span_count UInt32,
    turn_count UInt32
)
ENGINE = ReplacingMergeTree(created_time)
PARTITION BY toDate(session_start_time)
ORDER BY (tenant, session_key, session_revision, objective_id, objective_version)
TTL toDateTime(session_start_time) + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
