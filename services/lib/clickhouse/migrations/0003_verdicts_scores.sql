-- Both tables come from tracebar.scores.v1: one ScoreRecord per (session revision, objective
-- version) gives one `verdicts` row and one `scores` row per evaluator, written together.
-- A re-scored revision replaces the earlier rows: ReplacingMergeTree keeps the row with the
-- latest scored_time per key, so read these tables with FINAL.
-- Ordered for the analysts' first question, "how did objective X do per version per day".
CREATE TABLE IF NOT EXISTS verdicts
(
    tenant LowCardinality(String),
    objective_id LowCardinality(String),
    objective_version UInt32,
    objective_content_hash LowCardinality(String),
    session_key String CODEC(ZSTD(1)),
    session_revision UInt32,
    outcome LowCardinality(String),
    score Float64,
    -- failed_patterns[i] / failed_subtypes[i] belong together.
    failed_patterns Array(LowCardinality(String)),
    failed_subtypes Array(LowCardinality(String)),
    failed_required_evaluators Array(LowCardinality(String)),
    unscored_required_evaluators Array(LowCardinality(String)),
    evaluator_count UInt32,
    taxonomy_version LowCardinality(String),
    scored_time DateTime64(9, 'UTC'),
    session_start_time DateTime64(9, 'UTC'),
    session_end_time DateTime64(9, 'UTC'),
    service_name LowCardinality(String),
    service_version LowCardinality(String),
    agent_name LowCardinality(String)
)
ENGINE = ReplacingMergeTree(scored_time)
PARTITION BY toDate(session_start_time)
ORDER BY (tenant, objective_id, toDate(session_start_time), objective_version, session_key, session_revision)
TTL toDateTime(session_start_time) + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS scores
(
    tenant LowCardinality(String),
    objective_id LowCardinality(String),
    objective_version UInt32,
    objective_content_hash LowCardinality(String),
    session_key String CODEC(ZSTD(1)),
    session_revision UInt32,
    evaluator_id LowCardinality(String),
    evaluator_type LowCardinality(String),
    evaluator_version UInt32,
    required Bool,
    weight Float64,
    score Float64,
    outcome LowCardinality(String),
    pattern LowCardinality(String),
    subtype LowCardinality(String),
    evidence Array(Tuple(span_id String, trace_id String, note String)) CODEC(ZSTD(3)),
    detail String CODEC(ZSTD(3)),
    unscored_reason String CODEC(ZSTD(1)),
    duration_ns UInt64,
    taxonomy_version LowCardinality(String),
    scored_time DateTime64(9, 'UTC'),
    session_start_time DateTime64(9, 'UTC'),
    service_name LowCardinality(String),
    service_version LowCardinality(String),
    agent_name LowCardinality(String)
)
ENGINE = ReplacingMergeTree(scored_time)
PARTITION BY toDate(session_start_time)
ORDER BY (tenant, objective_id, toDate(session_start_time), objective_version, session_key, session_revision, evaluator_id)
TTL toDateTime(session_start_time) + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
