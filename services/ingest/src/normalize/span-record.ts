// One OTLP span to a tracebar.v1.SpanRecord (not yet encoded): ids checked and turned to hex,
// times checked, attributes of the span, its events and links flattened and redacted, GenAI
// fields lifted, session key chosen. The fields of its resource and scope are not set here: they
// are encoded once per scope (span-parts.ts, encode/span-record-encoder.ts).
import { toLong } from '@tracebar/proto';
import type { IOtlpSpan, IOtlpSpanEvent, IOtlpSpanLink } from '@tracebar/proto';
import type { SpanEventInput, SpanLinkInput, SpanRecordInput } from '../encode/span-record-encoder.js';
import { invalidIdReasonOf } from '../decode/invalid-id.js';
import type { Long } from '../decode/otlp-json-values.js';
import type { AttributeFlattener } from './attribute-flattener.js';
import type { EventOrigin } from './genai/message-sources.js';
import { extractGenAi, type GenAiDeps } from './genai/gen-ai-fields.js';
import { isSessionEnd, sessionKeyOf } from './session-key.js';
import { parentIdHex, requiredIdHex } from './span-ids.js';
import type { ResourcePart } from './span-parts.js';
import type { Tally } from './tally.js';

export interface SpanRecordContext {
  readonly tenant: string;
  readonly receivedTime: Long;
  readonly resource: ResourcePart;
}

export interface SpanRecordDeps {
  readonly flattener: AttributeFlattener;
  readonly genAi: GenAiDeps;
}

/** A record, or the reason the span is rejected. `clampedEnd` / `droppedLinks` feed warnings. */
export type SpanRecordOutcome =
  | { record: SpanRecordInput; sessionKey: string; clampedEnd: boolean; droppedLinks: number; problem?: undefined }
  | { problem: string };

const zeroTime = toLong(0n);

function asLong(value: Long | number | null | undefined): Long {
  if (value == null) return zeroTime;
  return typeof value === 'number' ? toLong(value) : value;
}

export function buildSpanRecord(span: IOtlpSpan, context: SpanRecordContext, deps: SpanRecordDeps, tally: Tally): SpanRecordOutcome {
  const decodeProblem = invalidIdReasonOf(span);
  if (decodeProblem !== undefined) return { problem: decodeProblem };
  const traceId = requiredIdHex(span.traceId, 'trace_id', 16);
  if ('problem' in traceId) return traceId;
  const spanId = requiredIdHex(span.spanId, 'span_id', 8);
  if ('problem' in spanId) return spanId;
  const parentId = parentIdHex(span.parentSpanId);
  if ('problem' in parentId) return parentId;

  const start = asLong(span.startTimeUnixNano);
  if (start.isZero()) return { problem: 'start_time_unix_nano missing' };
  let end = asLong(span.endTimeUnixNano);
  // The OpenTelemetry SDKs clamp a span that ends before it starts to zero duration; do the same.
  const clampedEnd = end.lessThan(start);
  if (clampedEnd) end = start;

  const { flattener } = deps;
  const attributes = flattener.flatten(span.attributes, tally);
  const eventOrigins: EventOrigin[] = [];
  const events = buildEvents(span.events, flattener, tally, eventOrigins);
  const links = buildLinks(span.links, flattener, tally);
  const session = sessionKeyOf(attributes, context.resource.sink, traceId.hex);

  const record: SpanRecordInput = {
    tenant: context.tenant,
    sessionKey: session.key,
    sessionKeySource: session.source,
    traceId: traceId.hex,
    spanId: spanId.hex,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    receivedTimeUnixNano: context.receivedTime,
  };
  // Unset fields stay off the record: the generated encoder writes any own property, even ''.
  if (parentId.hex !== '') record.parentSpanId = parentId.hex;
  if (span.name) record.name = span.name;
  if (span.kind) record.kind = span.kind as number;
  const status = span.status;
  if (status != null) {
    if (status.code) record.statusCode = status.code as number;
    if (status.message) record.statusMessage = status.message;
  }
  if (isSessionEnd(attributes)) record.sessionEnd = true;
  if (attributes.size > 0) record.attributes = attributes;
  if (events.length > 0) record.events = events;
  if (links.records.length > 0) record.links = links.records;
  const genAi = extractGenAi({ attributes, events: eventOrigins }, deps.genAi);
  if (genAi !== undefined) record.genAi = genAi;
  if (span.traceState) record.traceState = span.traceState;
  if (span.flags) record.flags = span.flags;
  const droppedAttributes = (span.droppedAttributesCount ?? 0) + attributes.overLimit + attributes.duplicates;
  if (droppedAttributes > 0) record.droppedAttributesCount = droppedAttributes;
  if (span.droppedEventsCount) record.droppedEventsCount = span.droppedEventsCount;
  const droppedLinks = (span.droppedLinksCount ?? 0) + links.dropped;
  if (droppedLinks > 0) record.droppedLinksCount = droppedLinks;
  if (tally.truncatedValues > 0) record.truncatedValueCount = tally.truncatedValues;
  if (tally.redactedValues > 0) record.redactedValueCount = tally.redactedValues;
  return { record, sessionKey: session.key, clampedEnd, droppedLinks: links.dropped };
}

function buildEvents(events: readonly IOtlpSpanEvent[] | null | undefined, flattener: AttributeFlattener, tally: Tally, origins: EventOrigin[]): SpanEventInput[] {
  if (events == null || events.length === 0) return [];
  const out: SpanEventInput[] = new Array<SpanEventInput>(events.length);
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as IOtlpSpanEvent;
    const sink = flattener.flatten(event.attributes, tally);
    const name = event.name ?? '';
    origins.push({ name, keyValues: event.attributes, attributes: sink });
    const record: SpanEventInput = { timeUnixNano: asLong(event.timeUnixNano) };
    if (name !== '') record.name = name;
    if (sink.size > 0) record.attributes = sink;
    const dropped = (event.droppedAttributesCount ?? 0) + sink.overLimit + sink.duplicates;
    if (dropped > 0) record.droppedAttributesCount = dropped;
    out[i] = record;
  }
  return out;
}

function buildLinks(links: readonly IOtlpSpanLink[] | null | undefined, flattener: AttributeFlattener, tally: Tally): { records: SpanLinkInput[]; dropped: number } {
  const records: SpanLinkInput[] = [];
  let dropped = 0;
  if (links == null) return { records, dropped };
  for (const link of links) {
    const ids = linkIds(link);
    if (ids === undefined) {
      dropped++;
      continue;
    }
    const record: SpanLinkInput = ids;
    if (link.traceState) record.traceState = link.traceState;
    const sink = flattener.flatten(link.attributes, tally);
    if (sink.size > 0) record.attributes = sink;
    const droppedAttributes = (link.droppedAttributesCount ?? 0) + sink.overLimit + sink.duplicates;
    if (droppedAttributes > 0) record.droppedAttributesCount = droppedAttributes;
    if (link.flags) record.flags = link.flags;
    records.push(record);
  }
  return { records, dropped };
}

/** A link's ids as hex, or undefined when either is invalid (the link is dropped, not the span). */
function linkIds(link: IOtlpSpanLink): { traceId: string; spanId: string } | undefined {
  if (invalidIdReasonOf(link) !== undefined) return undefined;
  const traceId = requiredIdHex(link.traceId, 'trace_id', 16);
  const spanId = requiredIdHex(link.spanId, 'span_id', 8);
  return 'hex' in traceId && 'hex' in spanId ? { traceId: traceId.hex, spanId: spanId.hex } : undefined;
}
