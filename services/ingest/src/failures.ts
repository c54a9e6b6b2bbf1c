// The one catalog of ways an OTLP export request can fail, with the HTTP status and gRPC code
// each maps to (OTLP spec: retryable failures are 429/502/503/504 and UNAVAILABLE; anything
// else tells the exporter to drop the data). The README's status table is this file.

/** gRPC status codes used here (numbers from grpc/status.proto). */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type FailureCode =
  | 'invalid_request'
  | 'bad_gzip'
  | 'unsupported_media_type'
  | 'unsupported_encoding'
  | 'unauthenticated'
  | 'body_too_large'
  | 'too_many_spans'
  | 'in_flight_full'
  | 'bus_full'
  | 'bus_unavailable'
  | 'shutting_down'
  | 'internal';

export interface FailureSpec {
  http: number;
  grpc: number;
  /** The exporter may send the same data again later (503 + Retry-After / UNAVAILABLE + RetryInfo). */
  retryable: boolean;
}

export const failureCatalog: Readonly<Record<FailureCode, FailureSpec>> = {
  invalid_request: { http: 400, grpc: GrpcCode.INVALID_ARGUMENT, retryable: false },
  bad_gzip: { http: 400, grpc: GrpcCode.INVALID_ARGUMENT, retryable: false },
  unsupported_media_type: { http: 415, grpc: GrpcCode.INVALID_ARGUMENT, retryable: false },
  unsupported_encoding: { http: 415, grpc: GrpcCode.UNIMPLEMENTED, retryable: false },
  unauthenticated: { http: 401, grpc: GrpcCode.UNAUTHENTICATED, retryable: false },
  body_too_large: { http: 413, grpc: GrpcCode.RESOURCE_EXHAUSTED, retryable: false },
  too_many_spans: { http: 413, grpc: GrpcCode.RESOURCE_EXHAUSTED, retryable: false },
  in_flight_full: { http: 503, grpc: GrpcCode.UNAVAILABLE, retryable: true },
  bus_full: { http: 503, grpc: GrpcCode.UNAVAILABLE, retryable: true },
  bus_unavailable: { http: 503, grpc: GrpcCode.UNAVAILABLE, retryable: true },
  shutting_down: { http: 503, grpc: GrpcCode.UNAVAILABLE, retryable: true },
  internal: { http: 500, grpc: GrpcCode.INTERNAL, retryable: false },
};

/** A refused or rejected request: what the exporter is told, and the metric reason. */
export interface Failure {
  code: FailureCode;
  message: string;
  /** Set for retryable failures: Retry-After / RetryInfo.retry_delay. */
  retryAfterMs?: number;
}

export function failure(code: FailureCode, message: string, retryAfterMs?: number): Failure {
  return failureCatalog[code].retryable ? { code, message, retryAfterMs: retryAfterMs ?? 1_000 } : { code, message };
}

/** Tells a Failure from a decoded request or a normalize result. */
export function isFailure(value: object): value is Failure {
  return 'code' in value && typeof (value as { code: unknown }).code === 'string' && 'message' in value;
}
