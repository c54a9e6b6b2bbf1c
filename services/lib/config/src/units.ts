import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  kib: 1_024,
  mb: 1_000_000,
  mib: 1_048_576,
  gb: 1_000_000_000,
  gib: 1_073_741_824,
};

function parseWithUnits(value: string, units: Record<string, number>): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

function withUnits(units: Record<string, number>, expected: string) {
  return (value: unknown, ctx: z.core.$RefinementCtx): unknown => {
    if (typeof value !== 'string') return value;
    const parsed = parseWithUnits(value, units);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
      return z.NEVER;
    }
    return parsed;
  };
}

/** Milliseconds, written as a number of ms or a string such as `500ms`, `60s`, `5m`, `2h`, `7d`. */
export const durationMs = z.preprocess(
  withUnits(DURATION_UNITS_MS, 'a duration such as 500ms, 60s, 5m, 2h or 7d'),
  z.number({ error: 'expected a duration such as 500ms, 60s, 5m, 2h or 7d' }).int().nonnegative(),
);

/** Bytes, written as a number or a string such as `512KiB`, `16MiB`, `1GiB`. */
export const byteSize = z.preprocess(
  withUnits(SIZE_UNITS, 'a size such as 4096, 512KiB, 16MiB or 1GiB'),
  z.number({ error: 'expected a size such as 4096, 512KiB, 16MiB or 1GiB' }).int().nonnegative(),
);
