// OTLP/HTTP responses: ExportTraceServiceResponse on success, google.rpc.Status on failure, both
// in the request's encoding; Retry-After (whole seconds, what exporters parse) when retryable.
import type { ServerResponse } from 'node:http';
import { ExportTraceServiceResponse, toLong } from '@tracebar/proto';
import { failureCatalog, type Failure } from '../failures.js';
import { encodeRpcStatus, rpcStatusJson } from '../rpc-status.js';

export type BodyEncoding = 'protobuf' | 'json';

export const contentTypes: Readonly<Record<BodyEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The body encoding of a Content-Type header, or undefined when OTLP has none for it. */
export function bodyEncoding(contentType: string | undefined): BodyEncoding | undefined {
  if (!contentType) return undefined;
  const semicolon = contentType.indexOf(';');
  const media = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

const emptyProtobuf = Buffer.alloc(0);
const emptyJson = Buffer.from('{}');

export function successBody(encoding: BodyEncoding, rejectedSpans: number, errorMessage: string): Buffer {
  if (rejectedSpans === 0 && errorMessage === '') return encoding === 'protobuf' ? emptyProtobuf : emptyJson;
  if (encoding === 'json') {
    // proto3 JSON: int64 as a decimal string.
    return Buffer.from(JSON.stringify({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }));
  }
  const bytes = ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: toLong(rejectedSpans), errorMessage } }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1_000));
}

export interface Reply {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
}

export function successReply(encoding: BodyEncoding, rejectedSpans: number, errorMessage: string): Reply {
  const body = successBody(encoding, rejectedSpans, errorMessage);
  return { status: 200, headers: { 'content-type': contentTypes[encoding] }, body };
}

/** A Status in the request's encoding; text when the request had no OTLP encoding (415). */
export function failureReply(failed: Failure, encoding: BodyEncoding | undefined): Reply {
  const status = failureCatalog[failed.code].http;
  const headers: Record<string, string | number> = {};
  if (failed.retryAfterMs !== undefined) headers['retry-after'] = retryAfterSeconds(failed.retryAfterMs);
  if (encoding === 'protobuf') return { status, headers: { ...headers, 'content-type': contentTypes.protobuf }, body: encodeRpcStatus(failed) };
  if (encoding === 'json') return { status, headers: { ...headers, 'content-type': contentTypes.json }, body: Buffer.from(rpcStatusJson(failed)) };
  return { status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(failed.message) };
}

export function send(response: ServerResponse, reply: Reply, closeConnection: boolean): void {
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': reply.body.length };
  if (closeConnection) headers.connection = 'close';
  response.writeHead(reply.status, headers);
  response.end(reply.body);
}
