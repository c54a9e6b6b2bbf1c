-- Human (and imported) judgements (tracebar.labels.v1). Append-only: a correction is a new
-- label naming the one it supersedes; `labels_current` (0009) hides superseded labels.
-- Identity: label_id. Kept forever by default (regression sets keep lineage to labels).
CREATE TABLE IF NOT EXISTS labels
(
    tenant LowCardinality(String),
    session_key String CODEC(ZSTD(1)),
    session_revision UInt32,
    label_id String,
    outcome LowCardinality(String),
    pattern LowCardinality(String),
    subtype LowCardinality(String),
    taxonomy_version LowCardinality(String),
    evidence Array(Tuple(span_id String, trace_id String, note String)) CODEC(ZSTD(3)),
    note String CODEC(ZSTD(3)),
    author LowCardinality(String),
    source LowCardinality(String),
    created_time DateTime64(9, 'UTC'),
    objective_id LowCardinality(String),
    objective_version UInt32,
    objective_content_hash LowCardinality(String),
    supersedes_label_id String,
    -- Imported ground truth (e.g. reward), one map per value type; never read by evaluators.
    outcome_string Map(String, String),
    outcome_int Map(String, Int64),
    outcome_double Map(String, Float64),
    outcome_bool Map(String, Bool)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(created_time)
ORDER BY (tenant, session_key, session_revision, label_id)
SETTINGS non_replicated_deduplication_window = 10000;
