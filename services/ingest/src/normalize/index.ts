export { createNormalizer, RECORD_FRAMING_RESERVE_BYTES, type NormalizerLimits } from './create-normalizer.js';
export { MAX_REJECTION_REASONS } from './request-report.js';
