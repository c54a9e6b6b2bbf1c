// Errors that would repeat for every request (a missing topic, a normalizer bug) are logged at
// most once per interval, with how many were suppressed, so a bad hour does not flood the log.
import type { Logger } from '@tracebar/runtime';

export type ThrottledError = (error: unknown, message: string) => void;

export function throttledError(logger: Logger, intervalMs = 10_000): ThrottledError {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (error, message) => {
    const now = Date.now();
    const entry = last.get(message);
    if (entry && now - entry.at < intervalMs) {
      entry.suppressed++;
      return;
    }
    logger.error({ err: error, suppressed: entry?.suppressed ?? 0 }, message);
    last.set(message, { at: now, suppressed: 0 });
  };
}
