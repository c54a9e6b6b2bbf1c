// What a normalized request reports back to the exporter (OTLP partial_success): how many spans
// were rejected and why (a few distinct reasons, each with where it first happened), and the
// warnings for things changed but kept.
import type { NormalizeCounts } from '../span-batch.js';

/** Distinct rejection reasons kept per request; the count covers the rest. */
export const MAX_REJECTION_REASONS = 5;

export class RequestReport {
  rejectedSpans = 0;
  /** Spans whose end time was missing or before the start time: set to the start time. */
  clampedEndTimes = 0;
  /** Links dropped for invalid ids. */
  droppedLinks = 0;
  readonly counts: NormalizeCounts = { truncatedValues: 0, redactedValues: 0, droppedAttributes: 0 };
  private readonly reasons = new Map<string, string>();

  /**
   * `problem` is the distinct part ("trace_id is all zeros"); the indexes locate the first span
   * with it, `detail` adds to that location (e.g. the record size).
   */
  reject(problem: string, resourceIndex: number, scopeIndex: number, spanIndex: number, detail?: string): void {
    this.rejectedSpans++;
    if (this.reasons.size < MAX_REJECTION_REASONS && !this.reasons.has(problem)) {
      const where = `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans[${spanIndex}]${detail === undefined ? '' : `, ${detail}`}`;
      this.reasons.set(problem, `span rejected: ${problem} (first at ${where})`);
    }
  }

  rejectionReasons(): string[] {
    return [...this.reasons.values()];
  }

  warnings(limits: { maxAttributesPerSpan: number; maxAttributeValueLength: number }): string[] {
    const out: string[] = [];
    const { droppedAttributes, truncatedValues } = this.counts;
    if (droppedAttributes > 0) {
      out.push(`${droppedAttributes} attribute value(s) dropped: over the limit of ${limits.maxAttributesPerSpan} per span, event, link, resource or scope`);
    }
    if (truncatedValues > 0) out.push(`${truncatedValues} attribute value(s) truncated to ${limits.maxAttributeValueLength} characters`);
    if (this.clampedEndTimes > 0) out.push(`${this.clampedEndTimes} span(s) without an end time or ending before their start: end time set to the start time`);
    if (this.droppedLinks > 0) out.push(`${this.droppedLinks} span link(s) with an invalid trace or span id dropped`);
    return out;
  }
}
