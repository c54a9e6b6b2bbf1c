/** Which OTLP body encoding failed to decode. */
export type OtlpEncoding = 'protobuf' | 'json';

/**
 * A request body that is not a valid OTLP ExportTraceServiceRequest. Permanent: resending the
 * same bytes cannot help, so transports answer 400 (HTTP) / INVALID_ARGUMENT (gRPC) with
 * `message` as the status text.
 */
export class OtlpDecodeError extends Error {
  readonly code = 'INVALID_ARGUMENT';
  readonly retryable = false;
  readonly encoding: OtlpEncoding;
  /** Short reason without the prefix, e.g. `resourceSpans[0].scopeSpans[0].spans[2].kind: expected an integer or a SpanKind name`. */
  readonly reason: string;

  constructor(encoding: OtlpEncoding, reason: string, options?: { cause?: unknown }) {
    super(`invalid OTLP/${encoding === 'json' ? 'JSON' : 'protobuf'} request: ${reason}`, options);
    this.name = new.target.name;
    this.encoding = encoding;
    this.reason = reason;
  }
}
