// @tracebar/importers: data sets of agent runs (chat-completions logs, Who&When group chats)
// as OTLP trace data, with their ground-truth outcomes kept apart. Pure conversion: sending is
// an OTLP exporter's job (`tracebar import`); `@tracebar/importers/replay` runs the result
// through ingest and the sessionizer in-process.
export { DATASET_FORMATS, RecordFormatError, convertRecord, isDatasetFormat, type DatasetFormat } from './formats.js';
export {
  DEFAULT_START_TIME,
  convertRecords,
  datasetNameOf,
  loadDataset,
  readDatasetRecords,
  type DatasetRecord,
  type ImportOptions,
} from './load-dataset.js';
export { flattenFields, type OutcomeEvidence, type OutcomeValue, type OutcomeVerdict, type SessionOutcome } from './outcome.js';
export { DEFAULT_SPANS_PER_REQUEST, serializeSpans, spanBatches, toOtlpRequests } from './otlp-requests.js';
export type { ConvertSettings, ImportedSession, SpanRef } from './session.js';
export { IMPORTER_SCOPE } from './span-factory.js';
export { STEP_MS, unixNanoOf } from './timeline.js';
export { GROUP_CHAT_AGENT, TERMINAL_AGENT } from './who-and-when.js';
