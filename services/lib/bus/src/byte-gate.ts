import { BusFullError, PayloadTooLargeError } from './errors.js';

export interface GateWait {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export type Release = () => void;

/**
 * A byte semaphore: the bound on a producer's unacknowledged bytes. Waiters are served first
 * come, first served, so a large publish is not starved by a stream of small ones.
 */
export interface ByteGate {
  readonly capacity: number;
  inUse(): number;
  waiting(): number;
  acquire(bytes: number, wait: GateWait): Promise<Release>;
  /** Fails every waiter (used on close). */
  rejectWaiters(error: Error): void;
}

interface Waiter {
  bytes: number;
  grant: (release: Release) => void;
  fail: (error: Error) => void;
}

export function createByteGate(capacity: number, retryAfterMs: number): ByteGate {
  let used = 0;
  const queue: Waiter[] = [];

  const releaser = (bytes: number): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      used -= bytes;
      drain();
    };
  };

  const drain = (): void => {
    for (let head = queue[0]; head && used + head.bytes <= capacity; head = queue[0]) {
      queue.shift();
      used += head.bytes;
      head.grant(releaser(head.bytes));
    }
  };

  const full = (why: string): BusFullError =>
    new BusFullError(`bus full: ${used} of ${capacity} in-flight bytes in use; ${why}`, retryAfterMs);

  return {
    capacity,
    inUse: () => used,
    waiting: () => queue.length,
    acquire(bytes, wait) {
      if (bytes > capacity) {
        return Promise.reject(
          new PayloadTooLargeError(`publish of ${bytes} bytes exceeds the in-flight bound of ${capacity} bytes; split it`),
        );
      }
      if (wait.signal?.aborted) return Promise.reject(full('the caller aborted'));
      if (queue.length === 0 && used + bytes <= capacity) {
        used += bytes;
        return Promise.resolve(releaser(bytes));
      }
      if (wait.timeoutMs <= 0) return Promise.reject(full('not waiting (timeout 0)'));
      return new Promise<Release>((resolve, reject) => {
        const settle = (): void => {
          clearTimeout(timer);
          wait.signal?.removeEventListener('abort', onAbort);
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
        };
        const waiter: Waiter = {
          bytes,
          grant: (release) => {
            settle();
            resolve(release);
          },
          fail: (error) => {
            settle();
            reject(error);
          },
        };
        const onAbort = (): void => {
          waiter.fail(full('the caller aborted'));
          drain();
        };
        const timer = setTimeout(() => {
          waiter.fail(full(`no room within ${wait.timeoutMs} ms`));
          drain();
        }, wait.timeoutMs);
        wait.signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
    rejectWaiters(error) {
      for (const waiter of [...queue]) waiter.fail(error);
    },
  };
}
