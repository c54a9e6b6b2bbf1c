// The normalizer: a decoded OTLP request in, keyed and encoded SpanRecords for the spans topic
// out, with per-span rejections and warnings for partial_success. Pure conversion: no I/O.
import { Buffer } from 'node:buffer';
import type { IngestConfig } from '@tracebar/config';
import { sessionRecordKey, toLong } from '@tracebar/proto';
import type { IOtlpSpan } from '@tracebar/proto';
import { encodeSharedFields, writeSpanRecord, type RecordEncoder } from '../encode/span-record-encoder.js';
import { WireWriter } from '../encode/wire-writer.js';
import type { NormalizedSpan, Normalizer } from '../span-batch.js';
import { createAttributeFlattener } from './attribute-flattener.js';
import type { GenAiDeps } from './genai/gen-ai-fields.js';
import { compileRedaction } from './redaction.js';
import { RequestReport } from './request-report.js';
import { buildSpanRecord, type SpanRecordContext, type SpanRecordDeps } from './span-record.js';
import { resourcePart, scopePart, sharedFieldsOf } from './span-parts.js';
import { addTally, newTally } from './tally.js';
import { truncateText } from './text-limit.js';

export interface NormalizerLimits {
  /** The spans topic's max message size (topics.spans.maxMessageBytes). */
  maxMessageBytes: number;
}

/**
 * Bytes of a Kafka record besides key and value that a span must leave room for: the bus's
 * estimate of batch and record framing (97) plus the two tracebar headers (91), rounded up.
 */
export const RECORD_FRAMING_RESERVE_BYTES = 256;

/** The scratch buffer records are written into; kept between requests up to this size. */
const SCRATCH_BYTES = 256 * 1024;
const MAX_RETAINED_SCRATCH_BYTES = 8 * 1_048_576;

/**
 * Values are copied out of the scratch buffer into segments of about this size, each record a
 * view of its segment: one allocation per segment, not per record, while a consumer that keeps
 * one record (the in-process bus keeps records until every group committed them) keeps at most
 * one segment alive, not the whole request.
 */
const SEGMENT_BYTES = 16 * 1024;

/**
 * `encodeRecord` is for tests, which run the same normalizer with the generated encoder
 * (test/normalize/support.ts) and compare the bytes.
 */
export function createNormalizer(settings: IngestConfig, limits: NormalizerLimits, encodeRecord: RecordEncoder = writeSpanRecord): Normalizer {
  const redaction = compileRedaction(settings.redaction);
  const maxValueLength = settings.maxAttributeValueLength;
  const flattener = createAttributeFlattener(redaction, { maxValues: settings.maxAttributesPerSpan, maxValueLength });
  const genAi: GenAiDeps = {
    redaction,
    clean: flattener.cleanText,
    truncate: (text) => truncateText(text, maxValueLength),
  };
  const deps: SpanRecordDeps = { flattener, genAi };
  const reportLimits = { maxAttributesPerSpan: settings.maxAttributesPerSpan, maxAttributeValueLength: maxValueLength };
  const maxMessageBytes = limits.maxMessageBytes;
  // Every record of a request is written here, one after the other, then copied out at once.
  const writer = new WireWriter(SCRATCH_BYTES);

  return (request, context) => {
    const report = new RequestReport();
    writer.reset(SCRATCH_BYTES, MAX_RETAINED_SCRATCH_BYTES);
    const keys: string[] = [];
    /** Where each kept record ends in the scratch buffer (each starts where the previous ended). */
    const ends: number[] = [];
    const receivedTime = toLong(context.receivedTimeUnixNano);
    const resourceSpansList = request.resourceSpans ?? [];

    for (let r = 0; r < resourceSpansList.length; r++) {
      const resourceSpans = resourceSpansList[r];
      if (resourceSpans == null) continue;
      const scopeSpansList = resourceSpans.scopeSpans ?? [];
      if (scopeSpansList.length === 0) continue;
      const resource = resourcePart(resourceSpans.resource, resourceSpans.schemaUrl, flattener, report.counts);

      for (let s = 0; s < scopeSpansList.length; s++) {
        const scopeSpans = scopeSpansList[s];
        const otlpSpans = scopeSpans?.spans;
        if (scopeSpans == null || otlpSpans == null || otlpSpans.length === 0) continue;
        const spanContext: SpanRecordContext = { tenant: context.tenant, receivedTime, resource };
        const scope = scopePart(scopeSpans.scope, scopeSpans.schemaUrl, flattener, report.counts);
        const shared = encodeSharedFields(writer, sharedFieldsOf(resource, scope));

        for (let i = 0; i < otlpSpans.length; i++) {
          const tally = newTally();
          const outcome = buildSpanRecord(otlpSpans[i] as IOtlpSpan, spanContext, deps, tally);
          if (outcome.problem !== undefined) {
            report.reject(outcome.problem, r, s, i);
            continue;
          }
          const key = sessionRecordKey(context.tenant, outcome.sessionKey);
          const start = writer.pos;
          encodeRecord(writer, outcome.record, shared);
          const recordBytes = writer.pos - start + Buffer.byteLength(key) + RECORD_FRAMING_RESERVE_BYTES;
          if (recordBytes > maxMessageBytes) {
            writer.pos = start;
            report.reject(`record too large for the spans topic (limit ${maxMessageBytes} bytes)`, r, s, i, `${recordBytes} bytes`);
            continue;
          }
          keys.push(key);
          ends.push(writer.pos);
          addTally(report.counts, tally);
          if (outcome.clampedEnd) report.clampedEndTimes++;
          report.droppedLinks += outcome.droppedLinks;
        }
      }
    }

    return {
      spans: copyOut(writer, keys, ends),
      rejectedSpans: report.rejectedSpans,
      rejectionReasons: report.rejectionReasons(),
      warnings: report.warnings(reportLimits),
      counts: report.counts,
    };
  };
}

/** The request's records as spans, their values views of a few shared segments. */
function copyOut(writer: WireWriter, keys: readonly string[], ends: readonly number[]): NormalizedSpan[] {
  if (keys.length === 0) return [];
  const spans: NormalizedSpan[] = new Array<NormalizedSpan>(keys.length);
  const scratch = writer.buf;
  let first = 0;
  let segmentStart = 0;
  while (first < keys.length) {
    // Records first .. last-1 go into one segment: at least one, more while they fit.
    let last = first + 1;
    while (last < keys.length && (ends[last] as number) - segmentStart <= SEGMENT_BYTES) last++;
    const segmentEnd = ends[last - 1] as number;
    const segment = Buffer.allocUnsafeSlow(segmentEnd - segmentStart);
    scratch.copy(segment, 0, segmentStart, segmentEnd);
    let start = segmentStart;
    for (let i = first; i < last; i++) {
      const end = ends[i] as number;
      spans[i] = { key: keys[i] as string, value: segment.subarray(start - segmentStart, end - segmentStart) };
      start = end;
    }
    first = last;
    segmentStart = segmentEnd;
  }
  return spans;
}
