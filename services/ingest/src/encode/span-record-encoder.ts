// tracebar.v1.SpanRecord written straight into a WireWriter: the same bytes as the generated
// `SpanRecord.encode(record).finish()` for the plain objects the normalizer builds (fields in
// field-number order, a field written when it is neither undefined nor null, map entries in
// `Object.keys` order), at well under half the CPU and without a Buffer per record. The fields shared
// by every span of one resource and scope can be encoded once (`encodeSharedFields`) and copied.
// Inputs are plain objects: unlike the generated encoder, default values on a prototype (as on
// a decoded message) would be written.
import { Buffer } from 'node:buffer';
import type { IAttributes, IGenAi, IGenAiMessage, IGenAiToolCall, ISpanEvent, ISpanLink, ISpanRecord } from '@tracebar/proto';
import { attributesMessage, isAttributeList } from './attribute-list.js';
import { attributesField, type AttributesInput } from './attributes-field.js';
import { varintSize, WireWriter } from './wire-writer.js';


export interface SpanEventInput extends Omit<ISpanEvent, 'attributes'> {
  attributes?: AttributesInput | null;
}

export interface SpanLinkInput extends Omit<ISpanLink, 'attributes'> {
  attributes?: AttributesInput | null;
}

/** ISpanRecord, with attribute sets given either way. */
export interface SpanRecordInput extends Omit<ISpanRecord, 'attributes' | 'resourceAttributes' | 'scopeAttributes' | 'events' | 'links'> {
  attributes?: AttributesInput | null;
  resourceAttributes?: AttributesInput | null;
  scopeAttributes?: AttributesInput | null;
  events?: SpanEventInput[] | null;
  links?: SpanLinkInput[] | null;
}

/** The fields of a record that come from its resource and scope. */
export type SharedFieldsSource = Pick<
  SpanRecordInput,
  'serviceName' | 'serviceVersion' | 'resourceAttributes' | 'scopeName' | 'scopeVersion' | 'scopeAttributes' | 'resourceSchemaUrl' | 'scopeSchemaUrl'
>;

/** The record with every attribute list turned into maps: what the generated encoder takes. */
export function toSpanRecordMessage(record: SpanRecordInput): ISpanRecord {
  const out = { ...record } as ISpanRecord;
  if (record.attributes != null) out.attributes = toMessage(record.attributes);
  if (record.resourceAttributes != null) out.resourceAttributes = toMessage(record.resourceAttributes);
  if (record.scopeAttributes != null) out.scopeAttributes = toMessage(record.scopeAttributes);
  if (record.events != null) out.events = record.events.map((e) => ({ ...e, attributes: e.attributes == null ? e.attributes : toMessage(e.attributes) }) as ISpanEvent);
  if (record.links != null) out.links = record.links.map((l) => ({ ...l, attributes: l.attributes == null ? l.attributes : toMessage(l.attributes) }) as ISpanLink);
  return out;
}

function toMessage(attributes: AttributesInput): IAttributes {
  return isAttributeList(attributes) ? (attributesMessage(attributes) ?? {}) : attributes;
}

/** SharedFieldsSource encoded once, as the three runs of consecutive fields it makes in a record. */
export interface SharedFields {
  readonly source: SharedFieldsSource;
  /** Fields 13–14: service_name, service_version. */
  readonly service: Buffer;
  /** Fields 17–20: resource_attributes, scope_name, scope_version, scope_attributes. */
  readonly resourceAndScope: Buffer;
  /** Fields 30–31: resource_schema_url, scope_schema_url. */
  readonly schemaUrls: Buffer;
}

function writeService(w: WireWriter, r: SharedFieldsSource): void {
  if (r.serviceName != null) w.stringField(106, r.serviceName);
  if (r.serviceVersion != null) w.stringField(114, r.serviceVersion);
}

function writeResourceAndScope(w: WireWriter, r: SharedFieldsSource): void {
  if (r.resourceAttributes != null) attributesField(w, 138, r.resourceAttributes);
  if (r.scopeName != null) w.stringField(146, r.scopeName);
  if (r.scopeVersion != null) w.stringField(154, r.scopeVersion);
  if (r.scopeAttributes != null) attributesField(w, 162, r.scopeAttributes);
}

function writeSchemaUrls(w: WireWriter, r: SharedFieldsSource): void {
  if (r.resourceSchemaUrl != null) w.stringField(242, r.resourceSchemaUrl);
  if (r.scopeSchemaUrl != null) w.stringField(250, r.scopeSchemaUrl);
}

function copyOut(w: WireWriter, from: number): Buffer {
  return Buffer.from(w.buf.subarray(from, w.pos));
}

/** Encodes the resource and scope fields once, for `writeSpanRecord(w, record, shared)`. */
export function encodeSharedFields(w: WireWriter, source: SharedFieldsSource): SharedFields {
  const start = w.pos;
  writeService(w, source);
  const service = copyOut(w, start);
  w.pos = start;
  writeResourceAndScope(w, source);
  const resourceAndScope = copyOut(w, start);
  w.pos = start;
  writeSchemaUrls(w, source);
  const schemaUrls = copyOut(w, start);
  w.pos = start;
  return { source, service, resourceAndScope, schemaUrls };
}

/** Appends one encoded record (without its resource and scope fields) and the shared ones. */
export type RecordEncoder = (w: WireWriter, record: SpanRecordInput, shared: SharedFields) => void;

/**
 * Appends one encoded SpanRecord at `w.pos`. With `shared`, the record's own resource and scope
 * fields are ignored and the shared bytes written in their place.
 */
export function writeSpanRecord(w: WireWriter, r: SpanRecordInput, shared?: SharedFields): void {
  if (r.tenant != null) w.stringField(10, r.tenant);
  if (r.sessionKey != null) w.stringField(18, r.sessionKey);
  if (r.sessionKeySource != null) w.int32Field(24, r.sessionKeySource);
  if (r.traceId != null) w.stringField(34, r.traceId);
  if (r.spanId != null) w.stringField(42, r.spanId);
  if (r.parentSpanId != null) w.stringField(50, r.parentSpanId);
  if (r.name != null) w.stringField(58, r.name);
  if (r.kind != null) w.int32Field(64, r.kind);
  if (r.startTimeUnixNano != null) w.fixed64Field(73, r.startTimeUnixNano);
  if (r.endTimeUnixNano != null) w.fixed64Field(81, r.endTimeUnixNano);
  if (r.statusCode != null) w.int32Field(88, r.statusCode);
  if (r.statusMessage != null) w.stringField(98, r.statusMessage);
  if (shared === undefined) writeService(w, r);
  else w.raw(shared.service);
  if (r.sessionEnd != null) {
    w.uint32(120);
    w.bool(r.sessionEnd);
  }
  if (r.attributes != null) attributesField(w, 130, r.attributes);
  if (shared === undefined) writeResourceAndScope(w, r);
  else w.raw(shared.resourceAndScope);
  const events = r.events;
  if (events != null) for (let i = 0; i < events.length; i++) eventField(w, events[i] as SpanEventInput);
  const links = r.links;
  if (links != null) for (let i = 0; i < links.length; i++) linkField(w, links[i] as SpanLinkInput);
  if (r.genAi != null) genAiField(w, r.genAi);
  if (r.traceState != null) w.stringField(194, r.traceState);
  if (r.flags != null) w.uint32Field(200, r.flags);
  if (r.droppedAttributesCount != null) w.uint32Field(208, r.droppedAttributesCount);
  if (r.droppedEventsCount != null) w.uint32Field(216, r.droppedEventsCount);
  if (r.droppedLinksCount != null) w.uint32Field(224, r.droppedLinksCount);
  if (r.receivedTimeUnixNano != null) w.fixed64Field(233, r.receivedTimeUnixNano);
  if (shared === undefined) writeSchemaUrls(w, r);
  else w.raw(shared.schemaUrls);
  if (r.truncatedValueCount != null) w.uint32Field(256, r.truncatedValueCount);
  if (r.redactedValueCount != null) w.uint32Field(264, r.redactedValueCount);
  const lifted = r.liftedAttributeKeys;
  if (lifted != null) for (let i = 0; i < lifted.length; i++) w.stringField(274, lifted[i] as string);
}

/** One record on its own, as a Buffer (tests, and callers encoding a single record). */
export function encodeSpanRecord(record: SpanRecordInput): Buffer {
  const w = new WireWriter(1024);
  writeSpanRecord(w, record);
  return copyOut(w, 0);
}

function eventField(w: WireWriter, e: SpanEventInput): void {
  w.uint32(170);
  const mark = w.fork(2);
  if (e.timeUnixNano != null) w.fixed64Field(9, e.timeUnixNano);
  if (e.name != null) w.stringField(18, e.name);
  if (e.attributes != null) attributesField(w, 26, e.attributes);
  if (e.droppedAttributesCount != null) w.uint32Field(32, e.droppedAttributesCount);
  w.ldelim(mark, 2);
}

function linkField(w: WireWriter, l: SpanLinkInput): void {
  w.uint32(178);
  const mark = w.fork(2);
  if (l.traceId != null) w.stringField(10, l.traceId);
  if (l.spanId != null) w.stringField(18, l.spanId);
  if (l.traceState != null) w.stringField(26, l.traceState);
  if (l.attributes != null) attributesField(w, 34, l.attributes);
  if (l.droppedAttributesCount != null) w.uint32Field(40, l.droppedAttributesCount);
  if (l.flags != null) w.uint32Field(48, l.flags);
  w.ldelim(mark, 2);
}

function genAiField(w: WireWriter, g: IGenAi): void {
  w.uint32(186);
  const mark = w.fork(2);
  if (g.operationName != null) w.stringField(10, g.operationName);
  if (g.openinferenceSpanKind != null) w.stringField(18, g.openinferenceSpanKind);
  if (g.providerName != null) w.stringField(26, g.providerName);
  if (g.requestModel != null) w.stringField(34, g.requestModel);
  if (g.responseModel != null) w.stringField(42, g.responseModel);
  if (g.inputTokens != null) w.int64Field(48, g.inputTokens);
  if (g.outputTokens != null) w.int64Field(56, g.outputTokens);
  if (g.totalTokens != null) w.int64Field(64, g.totalTokens);
  if (g.toolName != null) w.stringField(74, g.toolName);
  if (g.toolCallId != null) w.stringField(82, g.toolCallId);
  if (g.toolCallArguments != null) w.stringField(90, g.toolCallArguments);
  if (g.toolCallResult != null) w.stringField(98, g.toolCallResult);
  if (g.conversationId != null) w.stringField(106, g.conversationId);
  if (g.agentName != null) w.stringField(114, g.agentName);
  if (g.agentId != null) w.stringField(122, g.agentId);
  const input = g.inputMessages;
  if (input != null) for (let i = 0; i < input.length; i++) messageField(w, 130, input[i] as IGenAiMessage);
  const output = g.outputMessages;
  if (output != null) for (let i = 0; i < output.length; i++) messageField(w, 138, output[i] as IGenAiMessage);
  if (g.systemInstructions != null) w.stringField(146, g.systemInstructions);
  if (g.inputValue != null) w.stringField(154, g.inputValue);
  if (g.outputValue != null) w.stringField(162, g.outputValue);
  const reasons = g.finishReasons;
  if (reasons != null) for (let i = 0; i < reasons.length; i++) w.stringField(170, reasons[i] as string);
  if (g.responseId != null) w.stringField(178, g.responseId);
  if (g.errorType != null) w.stringField(186, g.errorType);
  if (g.cacheReadInputTokens != null) w.int64Field(192, g.cacheReadInputTokens);
  w.ldelim(mark, 2);
}

function messageField(w: WireWriter, tag: number, m: IGenAiMessage): void {
  w.uint32(tag);
  const reserve = varintSize((m.content?.length ?? 0) + 32);
  const mark = w.fork(reserve);
  if (m.role != null) w.stringField(10, m.role);
  if (m.content != null) w.stringField(18, m.content);
  const calls = m.toolCalls;
  if (calls != null) for (let i = 0; i < calls.length; i++) toolCallField(w, calls[i] as IGenAiToolCall);
  if (m.toolCallId != null) w.stringField(34, m.toolCallId);
  if (m.name != null) w.stringField(42, m.name);
  if (m.finishReason != null) w.stringField(50, m.finishReason);
  w.ldelim(mark, reserve);
}

function toolCallField(w: WireWriter, c: IGenAiToolCall): void {
  w.uint32(26);
  const reserve = varintSize((c.arguments?.length ?? 0) + 32);
  const mark = w.fork(reserve);
  if (c.id != null) w.stringField(10, c.id);
  if (c.name != null) w.stringField(18, c.name);
  if (c.arguments != null) w.stringField(26, c.arguments);
  w.ldelim(mark, reserve);
}
