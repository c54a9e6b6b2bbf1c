// How protobuf values are written for ClickHouse's JSONEachRow input: one place for the
// conventions every row builder shares.

/** A 64-bit value as protobufjs decodes it (the `long` package's Long), structurally. */
export interface Long {
  readonly low: number;
  readonly high: number;
  toString(): string;
}

/** Thrown for a record no retry can fix: the sink dead-letters it with this code. */
export class RecordRejectedError extends Error {
  readonly code: 'DECODE_FAILED' | 'SCHEMA_INVALID';
  constructor(code: 'DECODE_FAILED' | 'SCHEMA_INVALID', message: string) {
    super(message);
    this.name = 'RecordRejectedError';
    this.code = code;
  }
}

const NS_PER_S = 1_000_000_000;

/**
 * A fixed64 nanosecond timestamp, given as its two unsigned 32-bit halves, as the decimal
 * integer DateTime64(9) reads from JSON: an unquoted integer is taken as ticks of the column's
 * scale (measured on ClickHouse 26.7; a quoted `<seconds>.<fraction>` string is read only
 * from 10 digits of seconds on). Exact without BigInt: 2^32 ns is split into
 * 4·10^9 + 294·10^6 + 967296, so every partial product stays below 2^53.
 * DateTime64(9) holds an Int64 of ns (up to 2262-04-11); a larger value is refused.
 */
export function nanosText(low: number, high: number, field: string): string {
  const lo = low >>> 0;
  const hi = high >>> 0;
  if (hi >= 0x80000000) throw new RecordRejectedError('SCHEMA_INVALID', `${field} is past 2262-04-11 (the DateTime64(9) range)`);
  if (hi === 0 && lo < NS_PER_S) return String(lo);
  const a = hi * 967_296 + lo;
  const b = hi * 294;
  let rest = (a % NS_PER_S) + (b % 1_000) * 1_000_000;
  let seconds = hi * 4 + Math.floor(b / 1_000) + Math.floor(a / NS_PER_S);
  if (rest >= NS_PER_S) {
    rest -= NS_PER_S;
    seconds += 1;
  }
  return `${seconds}${pad9(rest)}`;
}

/** Text that jsonRow writes as it is, unquoted (DateTime64 ticks past 2^53). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A Long (protobufjs' fixed64) or a plain number below 2^53 as DateTime64(9) ticks. */
export function longNanos(value: Long | number | null | undefined, field: string): RawJson {
  if (value === null || value === undefined) return new RawJson('0');
  if (typeof value === 'number') return new RawJson(nanosText(value % 0x1_0000_0000, Math.floor(value / 0x1_0000_0000), field));
  return new RawJson(nanosText(value.low, value.high, field));
}

/** Nanoseconds between two timestamps (0 when end precedes start), exact below 2^53 ns (104 days). */
export function durationNs(startLow: number, startHigh: number, endLow: number, endHigh: number): number {
  const d = ((endHigh >>> 0) - (startHigh >>> 0)) * 0x1_0000_0000 + ((endLow >>> 0) - (startLow >>> 0));
  return d > 0 ? d : 0;
}

/** A Long (int64/uint64) or number as decimal text, exact at any size. */
export function longText(value: Long | number | null | undefined): string {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'number') return String(value);
  if (value.high === 0 && value.low >= 0) return String(value.low);
  return value.toString();
}

function pad9(n: number): string {
  const s = String(n);
  return s.length >= 9 ? s : '000000000'.slice(s.length) + s;
}

/**
 * Names of a generated protobuf enum, indexed by number: `SPAN_KIND_CLIENT` → `client`
 * (lowercase, without the enum's prefix). Unknown numbers (a newer producer) become their
 * number as text, so an insert never fails on an enum value added later.
 */
export function enumNames(values: object, prefix: string): (value: number | null | undefined) => string {
  const names: string[] = [];
  for (const [name, number] of Object.entries(values) as [string, unknown][]) {
    if (typeof number === 'number' && name.startsWith(prefix)) names[number] = name.slice(prefix.length).toLowerCase();
  }
  return (value) => names[value ?? 0] ?? String(value);
}

/** A float for JSONEachRow: finite numbers as JSON numbers, the rest as ClickHouse's nan/inf. */
export function floatText(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return '"nan"';
  return value > 0 ? '"inf"' : '"-inf"';
}
