// What converting one record gives: the session's spans (SDK ReadableSpans, ready for an
// exporter or the OTLP serializer), where each message went, and the outcome kept apart.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SessionOutcome } from './outcome.js';

export interface SpanRef {
  traceId: string;
  spanId: string;
}

export interface ImportedSession {
  /** The `session.id` of every span: `<dataset>/<task_id>/<trial>`, `<dataset>/<file stem>`. */
  sessionKey: string;
  /** In the order they ended (the order an SDK would export them). */
  spans: ReadableSpan[];
  /**
   * The span each message of the record became, by message index (`traj[i]`, `history[i]`);
   * undefined for messages that are no span (system prompts).
   */
  messageSpans: (SpanRef | undefined)[];
  /** Ground truth; not in any span. */
  outcome: SessionOutcome;
  startUnixNano: bigint;
  endUnixNano: bigint;
}

/** Settings of one conversion; `loadDataset` fills them from the path and ImportOptions. */
export interface ConvertSettings {
  /** Start of the session's first span, ns since the Unix epoch. */
  startUnixNano: bigint;
  /** Session key prefix. */
  dataset: string;
  /** Resource attribute `service.name`. */
  serviceName: string;
  /** `gen_ai.request.model` of LLM calls; left out when unknown. */
  model?: string;
  /** `gen_ai.provider.name`; left out when unknown. */
  provider?: string;
  /** `gen_ai.agent.name` of the agent spans. */
  agentName: string;
}
