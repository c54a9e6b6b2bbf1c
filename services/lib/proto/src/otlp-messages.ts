// Named aliases for the generated OTLP trace messages (proto/opentelemetry/proto/**, OTLP
// v1.11.0) and a @grpc/grpc-js compatible definition of TraceService/Export.
import { Buffer } from 'node:buffer';
import { opentelemetry } from './gen/otlp.js';

const collector = opentelemetry.proto.collector.trace.v1;
const trace = opentelemetry.proto.trace.v1;
const common = opentelemetry.proto.common.v1;

// opentelemetry/proto/collector/trace/v1/trace_service.proto
export const ExportTraceServiceRequest = collector.ExportTraceServiceRequest;
export type ExportTraceServiceRequest = opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
export type IExportTraceServiceRequest = opentelemetry.proto.collector.trace.v1.IExportTraceServiceRequest;
export const ExportTraceServiceResponse = collector.ExportTraceServiceResponse;
export type ExportTraceServiceResponse = opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
export type IExportTraceServiceResponse = opentelemetry.proto.collector.trace.v1.IExportTraceServiceResponse;
export const ExportTracePartialSuccess = collector.ExportTracePartialSuccess;
export type ExportTracePartialSuccess = opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
export type IExportTracePartialSuccess = opentelemetry.proto.collector.trace.v1.IExportTracePartialSuccess;

// opentelemetry/proto/trace/v1/trace.proto
export const TracesData = trace.TracesData;
export type TracesData = opentelemetry.proto.trace.v1.TracesData;
export type ITracesData = opentelemetry.proto.trace.v1.ITracesData;
export const ResourceSpans = trace.ResourceSpans;
export type ResourceSpans = opentelemetry.proto.trace.v1.ResourceSpans;
export type IResourceSpans = opentelemetry.proto.trace.v1.IResourceSpans;
export const ScopeSpans = trace.ScopeSpans;
export type ScopeSpans = opentelemetry.proto.trace.v1.ScopeSpans;
export type IScopeSpans = opentelemetry.proto.trace.v1.IScopeSpans;
export const OtlpSpan = trace.Span;
export type OtlpSpan = opentelemetry.proto.trace.v1.Span;
export type IOtlpSpan = opentelemetry.proto.trace.v1.ISpan;
export const OtlpSpanEvent = trace.Span.Event;
export type OtlpSpanEvent = opentelemetry.proto.trace.v1.Span.Event;
export type IOtlpSpanEvent = opentelemetry.proto.trace.v1.Span.IEvent;
export const OtlpSpanLink = trace.Span.Link;
export type OtlpSpanLink = opentelemetry.proto.trace.v1.Span.Link;
export type IOtlpSpanLink = opentelemetry.proto.trace.v1.Span.ILink;
export const OtlpSpanKind = trace.Span.SpanKind;
export type OtlpSpanKind = opentelemetry.proto.trace.v1.Span.SpanKind;
export const OtlpStatus = trace.Status;
export type OtlpStatus = opentelemetry.proto.trace.v1.Status;
export type IOtlpStatus = opentelemetry.proto.trace.v1.IStatus;
export const OtlpStatusCode = trace.Status.StatusCode;
export type OtlpStatusCode = opentelemetry.proto.trace.v1.Status.StatusCode;
export const OtlpSpanFlags = trace.SpanFlags;
export type OtlpSpanFlags = opentelemetry.proto.trace.v1.SpanFlags;

// opentelemetry/proto/common/v1/common.proto and resource/v1/resource.proto
export const AnyValue = common.AnyValue;
export type AnyValue = opentelemetry.proto.common.v1.AnyValue;
export type IAnyValue = opentelemetry.proto.common.v1.IAnyValue;
export const ArrayValue = common.ArrayValue;
export type ArrayValue = opentelemetry.proto.common.v1.ArrayValue;
export type IArrayValue = opentelemetry.proto.common.v1.IArrayValue;
export const KeyValueList = common.KeyValueList;
export type KeyValueList = opentelemetry.proto.common.v1.KeyValueList;
export type IKeyValueList = opentelemetry.proto.common.v1.IKeyValueList;
export const KeyValue = common.KeyValue;
export type KeyValue = opentelemetry.proto.common.v1.KeyValue;
export type IKeyValue = opentelemetry.proto.common.v1.IKeyValue;
export const InstrumentationScope = common.InstrumentationScope;
export type InstrumentationScope = opentelemetry.proto.common.v1.InstrumentationScope;
export type IInstrumentationScope = opentelemetry.proto.common.v1.IInstrumentationScope;
export const Resource = opentelemetry.proto.resource.v1.Resource;
export type Resource = opentelemetry.proto.resource.v1.Resource;
export type IResource = opentelemetry.proto.resource.v1.IResource;

/** Full gRPC method path of the OTLP trace export, as exporters call it. */
export const otlpTraceExportPath = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Wraps encoder output as a Buffer without copying (grpc-js wants Buffers). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * TraceService as a `@grpc/grpc-js` ServiceDefinition (structurally; this package does not
 * depend on grpc-js): `server.addService(otlpTraceServiceDefinition, { export: handler })`.
 */
export const otlpTraceServiceDefinition = {
  export: {
    path: otlpTraceExportPath,
    originalName: 'Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: (request: IExportTraceServiceRequest): Buffer =>
      asBuffer(ExportTraceServiceRequest.encode(request).finish()),
    requestDeserialize: (bytes: Buffer): ExportTraceServiceRequest => ExportTraceServiceRequest.decode(bytes),
    responseSerialize: (response: IExportTraceServiceResponse): Buffer =>
      asBuffer(ExportTraceServiceResponse.encode(response).finish()),
    responseDeserialize: (bytes: Buffer): ExportTraceServiceResponse => ExportTraceServiceResponse.decode(bytes),
  },
} as const;
