// The transports' view of the OTLP decoders (src/decode/): bytes in, a request or a
// permanent failure with the decoder's reason out.
import { failure, type Failure } from './failures.js';
import type { OtlpTraceRequest } from './span-batch.js';

export type DecodeOtlp = (body: Buffer) => OtlpTraceRequest;

export interface OtlpDecoders {
  protobuf: DecodeOtlp;
  json: DecodeOtlp;
}

export function decodeRequest(decode: DecodeOtlp, body: Buffer): OtlpTraceRequest | Failure {
  try {
    return decode(body);
  } catch (error) {
    // OtlpDecodeError's message is the status text ("invalid OTLP/protobuf request: <reason>").
    return failure('invalid_request', error instanceof Error ? error.message : `invalid OTLP request: ${String(error)}`);
  }
}
