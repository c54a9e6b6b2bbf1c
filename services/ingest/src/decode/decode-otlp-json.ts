// OTLP/JSON bodies (HTTP application/json), per https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding:
// protobuf's JSON mapping except that trace and span ids are hex and enums are integers.
// Written by hand because the generated `fromObject` would read ids as base64 and coerces
// mistyped values instead of rejecting them.
import { Buffer } from 'node:buffer';
import type {
  IAnyValue,
  IInstrumentationScope,
  IKeyValue,
  IOtlpSpan,
  IOtlpSpanEvent,
  IOtlpSpanLink,
  IOtlpStatus,
  IResource,
  IResourceSpans,
  IScopeSpans,
} from '@tracebar/proto';
import type { OtlpTraceRequest } from '../span-batch.js';
import { invalidIdReason, type WithInvalidId } from './invalid-id.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import {
  JsonShapeError,
  isJsonObject,
  member,
  readArray,
  readBase64,
  readBool,
  readDouble,
  readEnum,
  readHexId,
  readInt64,
  readObject,
  readString,
  readUint32,
  readUint64,
  type JsonObject,
} from './otlp-json-values.js';

/** Nested arrays / key-value lists deeper than this are refused (the protobuf decoder stops at 100 messages, about 50 values). */
export const MAX_JSON_VALUE_DEPTH = 48;

const spanKinds: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
});

const statusCodes: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
});

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest into the same shape the protobuf decoder
 * returns (plain objects; ids as bytes; 64-bit integers as Long). Unknown members are ignored,
 * as the specification requires.
 *
 * A trace, span or parent id that is not valid hex of the right length does not fail the
 * request: its span is kept with the problem attached (see invalid-id.ts) and the normalizer
 * rejects that span alone. Anything else of the wrong type fails the whole request.
 *
 * @throws OtlpDecodeError for invalid JSON or a value of the wrong shape, naming where.
 */
export function decodeOtlpJson(body: string | Uint8Array): OtlpTraceRequest {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError('json', `invalid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!isJsonObject(parsed)) throw new OtlpDecodeError('json', 'expected a JSON object (ExportTraceServiceRequest)');
  try {
    return { resourceSpans: readList(member(parsed, 'resourceSpans', 'resource_spans'), 'resourceSpans', readResourceSpans) };
  } catch (error) {
    if (error instanceof JsonShapeError) {
      throw new OtlpDecodeError('json', `${error.formatPath()}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Reads each element, naming `name[i]` in any error from inside it. */
function readList<T>(value: unknown, name: string, read: (element: unknown, label: string) => T): T[] {
  const elements = readArray(value, name);
  const out = new Array<T>(elements.length);
  for (let i = 0; i < elements.length; i++) {
    try {
      out[i] = read(elements[i], `[${i}]`);
    } catch (error) {
      if (error instanceof JsonShapeError) throw error.within(name);
      throw error;
    }
  }
  return out;
}

/** Runs `read` on a member's object, naming the member in any error from inside it. */
function inside<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof JsonShapeError) throw error.within(name);
    throw error;
  }
}

function expectObject(value: unknown, label: string): JsonObject {
  if (!isJsonObject(value)) throw new JsonShapeError(label, 'expected an object');
  return value;
}

function readResourceSpans(value: unknown, label: string): IResourceSpans {
  const object = expectObject(value, label);
  return inside(label, () => {
    const resource = readObject(member(object, 'resource', 'resource'), 'resource');
    return {
      resource: resource === undefined ? undefined : inside('resource', () => readResource(resource)),
      scopeSpans: readList(member(object, 'scopeSpans', 'scope_spans'), 'scopeSpans', readScopeSpans),
      schemaUrl: readString(member(object, 'schemaUrl', 'schema_url'), 'schemaUrl'),
    };
  });
}

function readResource(object: JsonObject): IResource {
  return {
    attributes: readKeyValues(member(object, 'attributes', 'attributes'), 'attributes', 0),
    droppedAttributesCount: readUint32(member(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
  };
}

function readScopeSpans(value: unknown, label: string): IScopeSpans {
  const object = expectObject(value, label);
  return inside(label, () => {
    const scope = readObject(member(object, 'scope', 'scope'), 'scope');
    return {
      scope: scope === undefined ? undefined : inside('scope', () => readScope(scope)),
      spans: readList(member(object, 'spans', 'spans'), 'spans', readSpan),
      schemaUrl: readString(member(object, 'schemaUrl', 'schema_url'), 'schemaUrl'),
    };
  });
}

function readScope(object: JsonObject): IInstrumentationScope {
  return {
    name: readString(member(object, 'name', 'name'), 'name'),
    version: readString(member(object, 'version', 'version'), 'version'),
    attributes: readKeyValues(member(object, 'attributes', 'attributes'), 'attributes', 0),
    droppedAttributesCount: readUint32(member(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
  };
}

function readSpan(value: unknown, label: string): IOtlpSpan {
  const object = expectObject(value, label);
  return inside(label, () => {
    const traceId = readHexId(member(object, 'traceId', 'trace_id'), 'traceId', 32, false);
    const spanId = readHexId(member(object, 'spanId', 'span_id'), 'spanId', 16, false);
    const parentSpanId = readHexId(member(object, 'parentSpanId', 'parent_span_id'), 'parentSpanId', 16, true);
    const status = readObject(member(object, 'status', 'status'), 'status');
    const span: IOtlpSpan & WithInvalidId = {
      traceId: traceId.bytes,
      spanId: spanId.bytes,
      traceState: readString(member(object, 'traceState', 'trace_state'), 'traceState'),
      parentSpanId: parentSpanId.bytes,
      flags: readUint32(member(object, 'flags', 'flags'), 'flags'),
      name: readString(member(object, 'name', 'name'), 'name'),
      kind: readEnum(member(object, 'kind', 'kind'), 'kind', spanKinds, 'SpanKind'),
      startTimeUnixNano: readUint64(member(object, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
      endTimeUnixNano: readUint64(member(object, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
      attributes: readKeyValues(member(object, 'attributes', 'attributes'), 'attributes', 0),
      droppedAttributesCount: readUint32(member(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
      events: readList(member(object, 'events', 'events'), 'events', readEvent),
      droppedEventsCount: readUint32(member(object, 'droppedEventsCount', 'dropped_events_count'), 'droppedEventsCount'),
      links: readList(member(object, 'links', 'links'), 'links', readLink),
      droppedLinksCount: readUint32(member(object, 'droppedLinksCount', 'dropped_links_count'), 'droppedLinksCount'),
      status: status === undefined ? undefined : inside('status', () => readStatus(status)),
    };
    const problem = traceId.problem ?? spanId.problem ?? parentSpanId.problem;
    if (problem !== undefined) span[invalidIdReason] = problem;
    return span;
  });
}

function readStatus(object: JsonObject): IOtlpStatus {
  return {
    message: readString(member(object, 'message', 'message'), 'message'),
    code: readEnum(member(object, 'code', 'code'), 'code', statusCodes, 'StatusCode'),
  };
}

function readEvent(value: unknown, label: string): IOtlpSpanEvent {
  const object = expectObject(value, label);
  return inside(label, () => ({
    timeUnixNano: readUint64(member(object, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    name: readString(member(object, 'name', 'name'), 'name'),
    attributes: readKeyValues(member(object, 'attributes', 'attributes'), 'attributes', 0),
    droppedAttributesCount: readUint32(member(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
  }));
}

function readLink(value: unknown, label: string): IOtlpSpanLink {
  const object = expectObject(value, label);
  return inside(label, () => {
    const traceId = readHexId(member(object, 'traceId', 'trace_id'), 'traceId', 32, false);
    const spanId = readHexId(member(object, 'spanId', 'span_id'), 'spanId', 16, false);
    const link: IOtlpSpanLink & WithInvalidId = {
      traceId: traceId.bytes,
      spanId: spanId.bytes,
      traceState: readString(member(object, 'traceState', 'trace_state'), 'traceState'),
      attributes: readKeyValues(member(object, 'attributes', 'attributes'), 'attributes', 0),
      droppedAttributesCount: readUint32(member(object, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount'),
      flags: readUint32(member(object, 'flags', 'flags'), 'flags'),
    };
    const problem = traceId.problem ?? spanId.problem;
    if (problem !== undefined) link[invalidIdReason] = problem;
    return link;
  });
}

function readKeyValues(value: unknown, name: string, depth: number): IKeyValue[] {
  return readList(value, name, (element, label) => readKeyValue(element, label, depth));
}

function readKeyValue(value: unknown, label: string, depth: number): IKeyValue {
  const object = expectObject(value, label);
  return inside(label, () => {
    const anyValue = readObject(member(object, 'value', 'value'), 'value');
    return {
      key: readString(member(object, 'key', 'key'), 'key'),
      value: anyValue === undefined ? undefined : inside('value', () => readAnyValue(anyValue, depth)),
    };
  });
}

/** The AnyValue oneof: exactly one member, or none (an empty value). */
function readAnyValue(object: JsonObject, depth: number): IAnyValue {
  let result: IAnyValue | undefined;
  let count = 0;
  let value = member(object, 'stringValue', 'string_value');
  if (value !== undefined) {
    result = { stringValue: readString(value, 'stringValue') };
    count++;
  }
  value = member(object, 'boolValue', 'bool_value');
  if (value !== undefined) {
    result = { boolValue: readBool(value, 'boolValue') };
    count++;
  }
  value = member(object, 'intValue', 'int_value');
  if (value !== undefined) {
    result = { intValue: readInt64(value, 'intValue') };
    count++;
  }
  value = member(object, 'doubleValue', 'double_value');
  if (value !== undefined) {
    result = { doubleValue: readDouble(value, 'doubleValue') };
    count++;
  }
  value = member(object, 'arrayValue', 'array_value');
  if (value !== undefined) {
    result = { arrayValue: { values: readNested(value, 'arrayValue', depth, readArrayValues) } };
    count++;
  }
  value = member(object, 'kvlistValue', 'kvlist_value');
  if (value !== undefined) {
    result = { kvlistValue: { values: readNested(value, 'kvlistValue', depth, readKeyValues) } };
    count++;
  }
  value = member(object, 'bytesValue', 'bytes_value');
  if (value !== undefined) {
    result = { bytesValue: readBase64(value, 'bytesValue') };
    count++;
  }
  if (count > 1) throw new JsonShapeError('value', 'expected at most one of stringValue, boolValue, intValue, doubleValue, arrayValue, kvlistValue, bytesValue');
  return result ?? {};
}

/** `{ "values": [...] }` of an ArrayValue or KeyValueList, one level deeper. */
function readNested<T>(value: unknown, name: string, depth: number, read: (values: unknown, name: string, depth: number) => T[]): T[] {
  if (depth >= MAX_JSON_VALUE_DEPTH) throw new JsonShapeError(name, `values nested deeper than ${MAX_JSON_VALUE_DEPTH} levels`);
  const object = readObject(value, name) as JsonObject;
  return inside(name, () => read(member(object, 'values', 'values'), 'values', depth + 1));
}

function readArrayValues(value: unknown, name: string, depth: number): IAnyValue[] {
  return readList(value, name, (element, label) => readAnyValue(expectObject(element, label), depth));
}
