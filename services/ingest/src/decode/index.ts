export { decodeOtlpJson, MAX_JSON_VALUE_DEPTH } from './decode-otlp-json.js';
export { decodeOtlpProtobuf } from './decode-otlp-protobuf.js';
export { OtlpDecodeError, type OtlpEncoding } from './otlp-decode-error.js';
