// Admission of requests: the ingest.maxInFlightBytes bound (decompressed request bytes held
// until the bus acknowledged them) and the drain on shutdown. It never waits: a request that
// does not fit is refused at once, retryably, so the exporter backs off instead of queueing here.

export interface Intake {
  /** Counts a request as in flight; false once draining (answer UNAVAILABLE/503). */
  enter(): boolean;
  /** Holds bytes of an entered request; false when they do not fit under the bound now. */
  reserve(bytes: number): boolean;
  /** Whether the bound is already reached (refuse before reading a body). */
  full(): boolean;
  /** Ends a request entered with enter(), releasing what it reserved. */
  leave(reservedBytes: number): void;
  inFlightBytes(): number;
  activeRequests(): number;
  /** Refuse new requests from now on; resolves when every entered request has left. */
  drain(): Promise<void>;
  draining(): boolean;
}

export function createIntake(maxInFlightBytes: number, onChange: (bytes: number) => void = () => undefined): Intake {
  let bytes = 0;
  let active = 0;
  let closing = false;
  let idle: (() => void) | undefined;
  let drained: Promise<void> | undefined;

  return {
    enter() {
      if (closing) return false;
      active++;
      return true;
    },
    reserve(size) {
      // A request larger than the whole bound still goes through alone, or it could never pass.
      if (bytes + size > maxInFlightBytes && bytes > 0) return false;
      bytes += size;
      onChange(bytes);
      return true;
    },
    full: () => bytes >= maxInFlightBytes,
    leave(reservedBytes) {
      active--;
      if (reservedBytes > 0) {
        bytes -= reservedBytes;
        onChange(bytes);
      }
      if (active === 0) idle?.();
    },
    inFlightBytes: () => bytes,
    activeRequests: () => active,
    drain() {
      closing = true;
      drained ??= active === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
      return drained;
    },
    draining: () => closing,
  };
}
