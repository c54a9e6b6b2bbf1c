import type { Logger } from 'pino';
import type { Component } from './component.js';
import type { ReadinessCheck } from './readiness.js';

export interface Supervisor {
  start(): Promise<void>;
  /** Shuts started components down in reverse order, sharing one deadline. */
  shutdown(timeoutMs: number): Promise<{ timedOut: boolean }>;
  readonly readiness: readonly ReadinessCheck[];
}

/** Starts components in order; if one fails to start, the ones already started are shut down. */
export function createSupervisor(components: readonly Component[], logger: Logger): Supervisor {
  const started: Component[] = [];
  let shutdownPromise: Promise<{ timedOut: boolean }> | undefined;

  async function stopAll(timeoutMs: number): Promise<{ timedOut: boolean }> {
    const deadline = AbortSignal.timeout(timeoutMs);
    let timedOut = false;
    for (const component of [...started].reverse()) {
      const began = performance.now();
      try {
        await Promise.race([
          component.shutdown(deadline),
          new Promise<never>((_, reject) => {
            if (deadline.aborted) reject(new Error('shutdown deadline passed'));
            deadline.addEventListener('abort', () => reject(new Error('shutdown deadline passed')), { once: true });
          }),
        ]);
        logger.info({ component: component.name, ms: Math.round(performance.now() - began) }, 'component stopped');
      } catch (error) {
        timedOut ||= deadline.aborted;
        logger.error({ component: component.name, err: error }, 'component did not stop cleanly');
      }
    }
    started.length = 0;
    return { timedOut };
  }

  return {
    readiness: components.flatMap((component) => (component.readiness ? [component.readiness] : [])),
    async start() {
      for (const component of components) {
        try {
          await component.start();
        } catch (error) {
          logger.error({ component: component.name, err: error }, 'component failed to start');
          await stopAll(10_000);
          throw error;
        }
        started.push(component);
        logger.debug({ component: component.name }, 'component started');
      }
    },
    shutdown(timeoutMs) {
      shutdownPromise ??= stopAll(timeoutMs);
      return shutdownPromise;
    },
  };
}
