// The redaction rules of the ingest config, compiled once per normalizer: which attribute keys
// are dropped or hashed, and which value patterns are masked.
import { createHash, type Hash } from 'node:crypto';
import type { IngestConfig } from '@tracebar/config';
import { compileKeyGlobs } from './key-globs.js';
import { compileMask, type Mask } from './mask-patterns.js';

export const KEEP = 0;
export const DROP = 1;
export const HASH = 2;
export type KeyAction = typeof KEEP | typeof DROP | typeof HASH;

export interface Redaction {
  /** False when no dropKeys or hashKeys are configured: callers skip keyAction entirely. */
  readonly hasKeyRules: boolean;
  /** False when no maskPatterns are configured: callers skip mask entirely. */
  readonly hasMasks: boolean;
  /** Drop wins over hash when a key matches both lists. */
  keyAction(key: string): KeyAction;
  /** Lowercase hex SHA-256 of salt followed by the value's bytes. */
  hash(value: string | Uint8Array): string;
  /** Every mask pattern in config order; returns the input when nothing matched. */
  mask(value: string): string;
}

/** Attribute keys repeat across spans; past this many distinct keys the decision cache starts over. */
const KEY_CACHE_LIMIT = 8_192;

export function compileRedaction(config: IngestConfig['redaction']): Redaction {
  const drop = compileKeyGlobs(config.dropKeys);
  const hashed = compileKeyGlobs(config.hashKeys);
  const masks: Mask[] = config.maskPatterns.map(compileMask);
  const salted: Hash = createHash('sha256').update(config.hashSalt, 'utf8');
  const cache = new Map<string, KeyAction>();

  const decide = (key: string): KeyAction => (drop.matches(key) ? DROP : hashed.matches(key) ? HASH : KEEP);

  return {
    hasKeyRules: !drop.empty || !hashed.empty,
    hasMasks: masks.length > 0,
    keyAction(key) {
      let action = cache.get(key);
      if (action === undefined) {
        action = decide(key);
        if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
        cache.set(key, action);
      }
      return action;
    },
    hash: (value) => salted.copy().update(value).digest('hex'),
    mask(value) {
      let out = value;
      for (const mask of masks) out = mask(out);
      return out;
    },
  };
}
