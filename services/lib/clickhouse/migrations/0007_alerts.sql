-- Alerts (tracebar.alerts.v1; the sink writes them when `sink.topics` includes alerts).
-- Identity: alert_id, deterministic per condition and window; a later record (resolved)
-- replaces the earlier one: ReplacingMergeTree keeps the latest created_time, read with FINAL.
CREATE TABLE IF NOT EXISTS alerts
(
    tenant LowCardinality(String),
    alert_id String,
    kind LowCardinality(String),
    severity LowCardinality(String),
    state LowCardinality(String),
    summary String CODEC(ZSTD(3)),
    objective_id LowCardinality(String),
    objective_version UInt32,
    objective_content_hash LowCardinality(String),
    pattern LowCardinality(String),
    subtype LowCardinality(String),
    metric LowCardinality(String),
    observed_value Float64,
    threshold_value Float64,
    baseline_value Float64,
    sample_size UInt64,
    window_start_time DateTime64(9, 'UTC'),
    window_end_time DateTime64(9, 'UTC'),
    created_time DateTime64(9, 'UTC'),
    source LowCardinality(String),
    sessions Array(Tuple(session_key String, revision UInt32)),
    dimensions Map(String, String)
)
ENGINE = ReplacingMergeTree(created_time)
PARTITION BY toDate(window_start_time)
ORDER BY (tenant, alert_id)
TTL toDateTime(window_start_time) + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;
