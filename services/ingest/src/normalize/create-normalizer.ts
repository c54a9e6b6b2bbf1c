// The normalizer: a decoded OTLP request in, keyed and encoded SpanRecords for the spans topic
// out, with per-span rejections and warnings for partial_success. Pure conversion: no I/O.
import { Buffer } from 'node:buffer';
import type { IngestConfig } from '@tracebar/config';
import { SpanRecord, sessionRecordKey, toLong } from '@tracebar/proto';
import type { IOtlpSpan } from '@tracebar/proto';
import type { NormalizedSpan, Normalizer } from '../span-batch.js';
import { createAttributeFlattener } from './attribute-flattener.js';
import type { GenAiDeps } from './genai/gen-ai-fields.js';
import { compileRedaction } from './redaction.js';
import { RequestReport } from './request-report.js';
import { buildSpanRecord, type SpanRecordContext, type SpanRecordDeps } from './span-record.js';
import { resourcePart, scopePart } from './span-parts.js';
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

export function createNormalizer(settings: IngestConfig, limits: NormalizerLimits): Normalizer {
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

  return (request, context) => {
    const report = new RequestReport();
    const spans: NormalizedSpan[] = [];
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
        const spanContext: SpanRecordContext = {
          tenant: context.tenant,
          receivedTime,
          resource,
          scope: scopePart(scopeSpans.scope, scopeSpans.schemaUrl, flattener, report.counts),
        };

        for (let i = 0; i < otlpSpans.length; i++) {
          const tally = newTally();
          const outcome = buildSpanRecord(otlpSpans[i] as IOtlpSpan, spanContext, deps, tally);
          if (outcome.problem !== undefined) {
            report.reject(outcome.problem, r, s, i);
            continue;
          }
          const key = sessionRecordKey(context.tenant, outcome.sessionKey);
          const encoded = SpanRecord.encode(outcome.record).finish();
          const value = Buffer.isBuffer(encoded) ? encoded : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
          const recordBytes = value.length + Buffer.byteLength(key) + RECORD_FRAMING_RESERVE_BYTES;
          if (recordBytes > maxMessageBytes) {
            report.reject(`record too large for the spans topic (limit ${maxMessageBytes} bytes)`, r, s, i, `${recordBytes} bytes`);
            continue;
          }
          spans.push({ key, value });
          addTally(report.counts, tally);
          if (outcome.clampedEnd) report.clampedEndTimes++;
          report.droppedLinks += outcome.droppedLinks;
        }
      }
    }

    return {
      spans,
      rejectedSpans: report.rejectedSpans,
      rejectionReasons: report.rejectionReasons(),
      warnings: report.warnings(reportLimits),
      counts: report.counts,
    };
  };
}
