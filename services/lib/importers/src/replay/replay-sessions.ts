// OTLP requests through the real ingest conversion (decode, normalize, SpanRecord encoding) and
// the real sessionizer core (placing, closing, assembly, encoding, parts) in-process: no bus,
// no ClickHouse. What evaluators would receive from `tracebar.sessions.v1` for the same data.
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { createNormalizer, decodeOtlpProtobuf, DEFAULT_TENANT } from '@tracebar/ingest';
import type { SessionRecord } from '@tracebar/proto';
import { createSessionizerCore, joinSessionParts, resolveSettings, type CoreRecord, type Emission } from '@tracebar/sessionizer';

export interface ReplayOptions {
  /** tracebar config (defaults when absent): ingest limits and redaction, sessionizer rules. */
  config?: TracebarConfig;
  tenant?: string;
}

export interface ReplayResult {
  sessions: SessionRecord[];
  /** Spans ingest refused, with its reasons (e.g. a record over the spans topic's limit). */
  rejectedSpans: number;
  rejectionReasons: string[];
  /** Sessions whose parts did not join with a matching digest (a bug if ever non-zero). */
  digestMismatches: number;
}

const PARTITION = 0;

/** Latest span end (ns) in a decoded request: its records are "received" just after it. */
function latestEnd(request: ReturnType<typeof decodeOtlpProtobuf>): bigint {
  let latest = 0n;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const end = span.endTimeUnixNano ?? span.startTimeUnixNano;
        if (end == null) continue;
        const value = BigInt(end.toString());
        if (value > latest) latest = value;
      }
    }
  }
  return latest;
}

/**
 * Replays OTLP/protobuf export requests in order. Each request's spans are received just after
 * its latest span ended and after the previous request's allowed lateness, so sessions that
 * carry the end marker close as the next request arrives; whatever is open at the end closes
 * as if the input had gone quiet. Deterministic: the same requests give the same records.
 */
export function replay(requests: Iterable<Uint8Array>, options: ReplayOptions = {}): ReplayResult {
  const config = options.config ?? configSchema.parse({});
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const normalize = createNormalizer(config.ingest, { maxMessageBytes: config.topics.spans.maxMessageBytes });
  const settings = resolveSettings(config);
  const core = createSessionizerCore(settings);
  core.assign(PARTITION, 0);
  const stepNs = BigInt(settings.latenessMs + 1) * 1_000_000n;
  const emissions: Emission[] = [];
  let received = 0n;
  let offset = 0;
  let rejectedSpans = 0;
  const rejectionReasons = new Set<string>();

  for (const bytes of requests) {
    const request = decodeOtlpProtobuf(bytes);
    const latest = latestEnd(request) + 1_000_000n;
    received = received === 0n ? latest : received + stepNs > latest ? received + stepNs : latest;
    const result = normalize(request, { tenant, receivedTimeUnixNano: received });
    rejectedSpans += result.rejectedSpans;
    for (const reason of result.rejectionReasons) rejectionReasons.add(reason);
    const records: CoreRecord[] = result.spans.map((span) => ({ offset: offset++, key: Buffer.from(span.key, 'latin1'), value: span.value, timestamp: 0 }));
    core.absorb(PARTITION, records, 0);
    emissions.push(...core.takeEmissions());
  }
  // Quiet for longer than any idle gap: everything still open closes.
  let idleGapMs = settings.idleGapNs / 1_000_000;
  for (const gap of settings.idleGapByServiceNs.values()) idleGapMs = Math.max(idleGapMs, gap / 1_000_000);
  core.extendSilent(settings.latenessMs + idleGapMs + 1, 0);
  emissions.push(...core.takeEmissions());

  let digestMismatches = 0;
  const sessions = emissions.map((emission) => {
    const joined = joinSessionParts(emission.values);
    if (!joined.digestMatches) digestMismatches++;
    return joined.record;
  });
  return { sessions, rejectedSpans, rejectionReasons: [...rejectionReasons], digestMismatches };
}

/** The session records (decoded, parts joined) that OTLP/protobuf requests give. */
export function replaySessions(requests: Iterable<Uint8Array>, options: ReplayOptions = {}): SessionRecord[] {
  return replay(requests, options).sessions;
}
