import type { ReadinessCheck } from './readiness.js';

/**
 * A part of the process with a lifecycle, in the OpenTelemetry Collector's sense: `start`
 * returns once the component serves; `shutdown` stops intake, drains in-flight work within the
 * deadline, and is safe to call twice or without `start`.
 */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  shutdown(deadline: AbortSignal): Promise<void>;
  readonly readiness?: ReadinessCheck;
}
