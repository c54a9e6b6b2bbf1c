// The sessionizer's settings, resolved once from the validated tracebar config: durations in
// the units the hot path compares (ns), and the sessions topic's record budget.
import type { TracebarConfig } from '@tracebar/config';

export interface SessionizerSettings {
  readonly spansTopic: string;
  readonly sessionsTopic: string;
  readonly consumerGroup: string;
  readonly idleGapNs: number;
  readonly idleGapByServiceNs: ReadonlyMap<string, number>;
  readonly latenessNs: number;
  readonly latenessMs: number;
  readonly revisionWindowNs: number;
  readonly maxDurationNs: number;
  readonly maxSpans: number;
  readonly maxSessionBytes: number;
  readonly maxOpenSessions: number;
  readonly maxOpenBytes: number;
  readonly maxTextLength: number;
  readonly commitIntervalMs: number;
  /** The sessions topic's max.message.bytes: a record above it (minus key and framing) is split. */
  readonly sessionsMaxMessageBytes: number;
  /** Bytes per publish call, so that one large session never exceeds the bus's in-flight bound. */
  readonly publishChunkBytes: number;
}

const NS_PER_MS = 1_000_000;

export function resolveSettings(config: TracebarConfig): SessionizerSettings {
  const s = config.sessionizer;
  return Object.freeze({
    spansTopic: config.topics.spans.name,
    sessionsTopic: config.topics.sessions.name,
    consumerGroup: s.consumerGroup,
    idleGapNs: s.idleGapMs * NS_PER_MS,
    idleGapByServiceNs: new Map(Object.entries(s.idleGapByService).map(([service, ms]) => [service, ms * NS_PER_MS])),
    latenessNs: s.allowedLatenessMs * NS_PER_MS,
    latenessMs: s.allowedLatenessMs,
    revisionWindowNs: s.revisionWindowMs * NS_PER_MS,
    maxDurationNs: s.maxSessionDurationMs * NS_PER_MS,
    maxSpans: s.maxSessionSpans,
    maxSessionBytes: s.maxSessionBytes,
    maxOpenSessions: s.maxOpenSessions,
    maxOpenBytes: s.maxOpenBytes,
    maxTextLength: s.maxTextLength,
    commitIntervalMs: s.commitIntervalMs,
    sessionsMaxMessageBytes: config.topics.sessions.maxMessageBytes,
    publishChunkBytes: Math.max(config.topics.sessions.maxMessageBytes, Math.floor(config.bus.maxInFlightBytes / 4)),
  });
}
