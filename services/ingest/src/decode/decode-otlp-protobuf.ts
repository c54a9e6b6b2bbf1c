// OTLP/protobuf bodies (HTTP application/x-protobuf, gRPC) through the generated decoder.
import { Buffer } from 'node:buffer';
import { ExportTraceServiceRequest } from '@tracebar/proto';
import type { OtlpTraceRequest } from '../span-batch.js';
import { OtlpDecodeError } from './otlp-decode-error.js';

/**
 * Decodes an ExportTraceServiceRequest. Ids of the wrong length decode fine (protobuf `bytes`
 * has no length); the normalizer rejects those spans one by one. Decoded `bytes` fields are views
 * into `body`, so the caller must not reuse the body buffer until the request is normalized.
 *
 * @throws OtlpDecodeError for a truncated or malformed body.
 */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpTraceRequest {
  // protobufjs reads strings with Buffer#utf8Slice only from a Buffer; a plain Uint8Array takes
  // its JavaScript UTF-8 decoder, several times slower on prompt-sized text.
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  try {
    return ExportTraceServiceRequest.decode(buffer);
  } catch (error) {
    throw new OtlpDecodeError('protobuf', protobufReason(error), { cause: error });
  }
}

function protobufReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('index out of range')) {
    return `truncated or malformed protobuf: a length runs past the end of the body (${message})`;
  }
  return `malformed protobuf: ${message}`;
}
