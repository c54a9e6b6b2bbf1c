export { createSink, type Sink, type SinkDeps } from './sink.js';
export { resolveSinkSettings, type SinkSettings, type SinkTopic } from './settings.js';
export { applyRetention, ttlSeconds, ttlTables, type RetentionChange } from './retention.js';
export { applyMergeSelector, mergeSelectorOf, sinkTables, type MergeSelector } from './merge-selector.js';
export { topicDecoders, type SinkTopicRole, type TableLines, type TableName, type TopicDecoder } from './rows/topic-decoders.js';
export { spanRecordJson } from './rows/span-json.js';
export { spanRow } from './rows/span-row.js';
export { RecordRejectedError } from './rows/clickhouse-values.js';
export type { DeadLetterCode } from './dead-letters.js';
