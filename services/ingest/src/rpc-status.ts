// Failure bodies per the OTLP spec: a google.rpc.Status in the request's encoding (HTTP body) or
// in grpc-status-details-bin (gRPC trailers), carrying a google.rpc.RetryInfo when the
// exporter should retry, so it knows when.
import { google, toBigInt, toLong } from '@tracebar/proto';
import { failureCatalog, type Failure } from './failures.js';

const retryInfoTypeUrl = 'type.googleapis.com/google.rpc.RetryInfo';

function retryDelay(ms: number): google.protobuf.IDuration {
  return { seconds: toLong(Math.floor(ms / 1_000)), nanos: (ms % 1_000) * 1_000_000 };
}

/** The Status message of a failure, protobuf-encoded (HTTP protobuf body, grpc-status-details-bin). */
export function encodeRpcStatus(failed: Failure): Buffer {
  const details =
    failed.retryAfterMs === undefined
      ? []
      : [{ type_url: retryInfoTypeUrl, value: google.rpc.RetryInfo.encode({ retryDelay: retryDelay(failed.retryAfterMs) }).finish() }];
  const bytes = google.rpc.Status.encode({ code: failureCatalog[failed.code].grpc, message: failed.message, details }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The same Status in protobuf's JSON mapping (Any with "@type", Duration as "1.5s"). */
export function rpcStatusJson(failed: Failure): string {
  const status: Record<string, unknown> = { code: failureCatalog[failed.code].grpc, message: failed.message };
  if (failed.retryAfterMs !== undefined) {
    status.details = [{ '@type': retryInfoTypeUrl, retryDelay: `${failed.retryAfterMs / 1_000}s` }];
  }
  return JSON.stringify(status);
}

/** Reads RetryInfo.retry_delay (ms) out of an encoded Status; undefined when absent (tests, clients). */
export function retryDelayMsOf(statusBytes: Uint8Array): number | undefined {
  const status = google.rpc.Status.decode(statusBytes);
  for (const detail of status.details) {
    if (detail.type_url !== retryInfoTypeUrl) continue;
    const delay = google.rpc.RetryInfo.decode(detail.value).retryDelay;
    if (delay) return Number(toBigInt(delay.seconds)) * 1_000 + Math.round(delay.nanos / 1_000_000);
  }
  return undefined;
}
