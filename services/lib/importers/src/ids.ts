// Deterministic trace and span ids: the same record always gives the same ids, so a re-import
// replaces rather than duplicates (the sink's inserts are idempotent by span identity), and a
// span can be named (e.g. Who&When's mistake step) before anything is sent.
import { createHash } from 'node:crypto';

function hexDigest(seed: string, chars: number): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, chars);
  // All zeros is the W3C "invalid id"; a SHA-256 prefix of zeros is as good as impossible,
  // but an id must never be invalid.
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** 32 lowercase hex characters. */
export function traceIdOf(seed: string): string {
  return hexDigest(`trace:${seed}`, 32);
}

/** 16 lowercase hex characters. */
export function spanIdOf(seed: string): string {
  return hexDigest(`span:${seed}`, 16);
}
