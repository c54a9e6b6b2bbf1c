/**
 * Settings every query runs with, embedded or server. ClickHouse 25.8 stopped quoting 64-bit
 * integers in JSON formats by default; a JSON number past 2^53 (a nanosecond timestamp, a
 * hash) silently loses precision in JavaScript, and older servers still quote. Pinning it
 * gives one behaviour on every version: Int64/UInt64 come back as strings.
 */
export const clientDefaults = {
  output_format_json_quote_64bit_integers: 1,
} as const;
