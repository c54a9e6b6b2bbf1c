// The OpenTelemetry JS SDK with each official OTLP trace exporter, wrapped to record the result
// of every export (the span processors only log failures).
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** What an exporter reports for one export (`code` 0 is success). */
export type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

export type ExporterKind = 'grpc' | 'http/protobuf' | 'http/json';

export interface RecordedExport {
  spanIds: string[];
  result: ExportResult;
}

export interface SdkPipeline {
  provider: BasicTracerProvider;
  exports: RecordedExport[];
  /** Span ids of exports that succeeded. */
  acked(): Set<string>;
  shutdown(): Promise<void>;
}

export interface SdkOptions {
  kind: ExporterKind;
  grpcAddress: string;
  tracesUrl: string;
  apiKey?: string;
  gzip?: boolean;
  /** BatchSpanProcessor (default) or SimpleSpanProcessor. */
  processor?: 'batch' | 'simple';
  serviceName?: string;
  timeoutMillis?: number;
  maxExportBatchSize?: number;
}

export function createExporter(options: SdkOptions): SpanExporter {
  const compression = options.gzip ? 'gzip' : 'none';
  const timeoutMillis = options.timeoutMillis ?? 10_000;
  if (options.kind === 'grpc') {
    const metadata = new Metadata();
    if (options.apiKey) metadata.set('authorization', `Bearer ${options.apiKey}`);
    return new GrpcExporter({ url: `http://${options.grpcAddress}`, metadata, compression: compression as never, timeoutMillis });
  }
  const headers: Record<string, string> = options.apiKey ? { 'x-api-key': options.apiKey } : {};
  const Exporter = options.kind === 'http/json' ? JsonExporter : ProtoExporter;
  return new Exporter({ url: options.tracesUrl, headers, compression: compression as never, timeoutMillis });
}

/** Wraps an exporter to remember what each export sent and how it ended. */
function recording(inner: SpanExporter, exports: RecordedExport[]): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      const spanIds = spans.map((span) => span.spanContext().spanId);
      inner.export(spans, (result) => {
        exports.push({ spanIds, result });
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export function createSdkPipeline(options: SdkOptions): SdkPipeline {
  const exports: RecordedExport[] = [];
  const exporter = recording(createExporter(options), exports);
  const processor =
    options.processor === 'simple'
      ? new SimpleSpanProcessor(exporter)
      : new BatchSpanProcessor(exporter, { maxExportBatchSize: options.maxExportBatchSize ?? 100, scheduledDelayMillis: 50, maxQueueSize: 100_000 });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? `ingest-test-${options.kind}`, 'service.version': '1.2.3', 'deployment.environment': 'test' }),
    spanProcessors: [processor],
  });
  return {
    provider,
    exports,
    acked() {
      const ids = new Set<string>();
      for (const entry of exports) if (entry.result.code === 0) for (const id of entry.spanIds) ids.add(id);
      return ids;
    },
    shutdown: () => provider.shutdown(),
  };
}
