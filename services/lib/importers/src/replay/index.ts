// @tracebar/importers/replay: OTLP requests -> session records, in-process, through the real
// ingest normalizer and sessionizer (no Kafka, no ClickHouse).
export { replay, replaySessions, type ReplayOptions, type ReplayResult } from './replay-sessions.js';
