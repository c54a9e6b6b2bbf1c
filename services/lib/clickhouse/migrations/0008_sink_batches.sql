-- The sink's insert log (not for analysts): before inserting a topic partition's offset range,
-- the sink records the range here. After a crash between insert and offset commit, the next
-- owner of the partition cuts the redelivered records at the same boundaries, so each insert
-- repeats with the same deduplication token and ClickHouse drops it (services/sink/README.md).
CREATE TABLE IF NOT EXISTS sink_batches
(
    consumer_group LowCardinality(String),
    topic LowCardinality(String),
    partition UInt32,
    first_offset UInt64,
    next_offset UInt64,
    -- Producer timestamp (ms) of the record at first_offset: tells this log's records apart from
    -- another log's at the same offsets (a recreated topic, the in-process bus after a restart).
    first_timestamp Int64,
    record_count UInt32,
    fingerprint String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (consumer_group, topic, partition, first_offset)
TTL toDateTime(created_at) + INTERVAL 7 DAY;
