import type { TracebarConfig } from '@tracebar/config';
import { UsageError } from '../cli-error.js';

/**
 * The pipeline's components in start order: consumers subscribe before any producer starts (the
 * in-process bus keeps records only for groups that exist), and the receivers come last so that
 * they stop first and the pipeline drains behind them.
 */
export const PIPELINE_COMPONENTS = ['sink', 'scorer', 'sessionizer', 'ingest'] as const;
export type PipelineComponent = (typeof PIPELINE_COMPONENTS)[number];

/** The components that read or write ClickHouse: the sink stores rows, the scorer records objective versions. */
const STORE_USERS: ReadonlySet<PipelineComponent> = new Set(['sink', 'scorer']);

export function isPipelineComponent(name: string): name is PipelineComponent {
  return (PIPELINE_COMPONENTS as readonly string[]).includes(name);
}

export function needsStore(components: readonly PipelineComponent[]): boolean {
  return components.some((component) => STORE_USERS.has(component));
}

/** `--components ingest,sessionizer`: known names only, at least one; returned in start order. */
export function parseComponentList(text: string): PipelineComponent[] {
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isPipelineComponent(name));
  if (unknown.length > 0) {
    const shown = unknown.map((name) => (name === '' ? '(empty)' : name)).join(', ');
    throw new UsageError(`--components takes a comma-separated list of ${PIPELINE_COMPONENTS.join(', ')}; unknown: ${shown}`);
  }
  return PIPELINE_COMPONENTS.filter((component) => names.includes(component));
}

/**
 * Refuses part of the pipeline on the in-process bus: no other process can reach its topics, so
 * the spans a lone ingest accepted would never be sessionized (or a lone sink never fed).
 */
export function checkRunnable(config: TracebarConfig, components: readonly PipelineComponent[], command: string): void {
  if (config.bus.kind !== 'memory' || components.length === PIPELINE_COMPONENTS.length) return;
  throw new UsageError(
    `tracebar ${command} runs part of the pipeline (${components.join(', ')}), but the in-process bus cannot be shared between processes. ` +
      'Set TRACEBAR_KAFKA_BROKERS=<host:port,...> so that every service reaches the same topics, ' +
      'or run all components in one process with `tracebar up` (embedded mode).',
  );
}
