export { createIngest, type Ingest, type IngestAddresses, type IngestDeps } from './ingest.js';
export { DEFAULT_TENANT } from './api-keys.js';
export { failureCatalog, GrpcCode, type Failure, type FailureCode, type FailureSpec } from './failures.js';
export type { DecodeOtlp, OtlpDecoders } from './decoders.js';
export type { Protocol } from './metrics.js';
export { OTLP_TRACES_PATH } from './http/http-receiver.js';
export { retryDelayMsOf } from './rpc-status.js';
export type { NormalizeContext, NormalizeCounts, NormalizedSpan, NormalizeResult, Normalizer, OtlpTraceRequest } from './span-batch.js';
// The pure conversion path, for in-process replays (@tracebar/importers/replay).
export { createNormalizer, type NormalizerLimits } from './normalize/index.js';
export { decodeOtlpProtobuf } from './decode/index.js';
