-- Every objective version ever used (written by the scorer, issue 6). Objectives are
-- configuration shared by all tenants, so this table has no tenant column.
CREATE TABLE IF NOT EXISTS objectives
(
    objective_id LowCardinality(String),
    version UInt32,
    content_hash String,
    description String CODEC(ZSTD(3)),
    -- The objective's canonical form (JSON), as hashed.
    definition String CODEC(ZSTD(3)),
    selector String CODEC(ZSTD(3)),
    sla_target Float64,
    evaluators Array(Tuple(id LowCardinality(String), type LowCardinality(String), version UInt32, required Bool, weight Float64)),
    source_file String,
    first_seen_time DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (objective_id, version);

-- Cases of versioned regression sets, made from labeled failures (issue 6/7 `tracebar
-- regression`). A set version is the set of rows with that (regression_set_id, set_version);
-- label_id is the lineage back to the label and its session.
CREATE TABLE IF NOT EXISTS regression_cases
(
    tenant LowCardinality(String),
    regression_set_id LowCardinality(String),
    set_version UInt32,
    case_id String,
    label_id String,
    session_key String CODEC(ZSTD(1)),
    session_revision UInt32,
    objective_id LowCardinality(String),
    objective_version UInt32,
    pattern LowCardinality(String),
    subtype LowCardinality(String),
    expected_outcome LowCardinality(String),
    -- The case's input (e.g. the opening request and context), as JSON text.
    input String CODEC(ZSTD(3)),
    note String CODEC(ZSTD(3)),
    created_by LowCardinality(String),
    created_time DateTime64(9, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant, regression_set_id, set_version, case_id)
SETTINGS non_replicated_deduplication_window = 10000;
