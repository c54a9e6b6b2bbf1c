import { ExportTraceServiceResponse, toLong } from '@tracebar/proto';

const empty = Buffer.alloc(0);

/** ExportTraceServiceResponse bytes; partial_success set when spans were rejected or changed. */
export function successResponseBytes(rejectedSpans: number, errorMessage: string): Buffer {
  if (rejectedSpans === 0 && errorMessage === '') return empty;
  const bytes = ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: toLong(rejectedSpans), errorMessage } }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
