// Spans through the official OpenTelemetry SDK, with the ids and times the importer chooses:
// a BasicTracerProvider whose id generator hands out the next planned ids, explicit start and
// end times, and a span processor that keeps what ended. No exporter, no global state.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type HrTime, type Span, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type IdGenerator, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export { SpanKind };

/** The instrumentation scope of every imported span. */
export const IMPORTER_SCOPE = { name: '@tracebar/importers', version: '0.1.0' } as const;

class PlannedIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

class KeepEnded implements SpanProcessor {
  ended: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface StartSpan {
  name: string;
  kind: SpanKind;
  /** 16 hex characters. */
  spanId: string;
  /** A root span's trace id (32 hex characters); a child takes its parent's. */
  traceId?: string;
  parent?: Span;
  startUnixNano: bigint;
  attributes: Attributes;
}

export interface SpanFactory {
  start(spec: StartSpan): Span;
  end(span: Span, endUnixNano: bigint, error?: string): void;
  /** Spans ended since the last call, in the order they ended. */
  take(): ReadableSpan[];
}

function hrTime(unixNano: bigint): HrTime {
  return [Number(unixNano / 1_000_000_000n), Number(unixNano % 1_000_000_000n)];
}

export function createSpanFactory(resourceAttributes: Attributes): SpanFactory {
  const ids = new PlannedIds();
  const kept = new KeepEnded();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    idGenerator: ids,
    spanProcessors: [kept],
    // Message texts are telemetry here: no SDK-side cut (ingest applies its own limits).
    spanLimits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 1_024 },
  });
  const tracer: Tracer = provider.getTracer(IMPORTER_SCOPE.name, IMPORTER_SCOPE.version);
  return {
    start(spec) {
      ids.spanId = spec.spanId;
      ids.traceId = spec.traceId ?? '';
      const context = spec.parent ? trace.setSpan(ROOT_CONTEXT, spec.parent) : ROOT_CONTEXT;
      return tracer.startSpan(spec.name, { kind: spec.kind, startTime: hrTime(spec.startUnixNano), attributes: spec.attributes }, context);
    },
    end(span, endUnixNano, error) {
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end(hrTime(endUnixNano));
    },
    take() {
      const taken = kept.ended;
      kept.ended = [];
      return taken;
    },
  };
}
