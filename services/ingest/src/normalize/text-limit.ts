/**
 * Cuts a string to at most `maxLength` UTF-16 code units (JavaScript characters) without
 * splitting a surrogate pair, so the result is still valid UTF-16 and encodes as valid UTF-8.
 */
export function truncateText(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  let end = maxLength;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end);
}
