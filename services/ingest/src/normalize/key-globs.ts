// Attribute key globs of the redaction config (`*` matches any run of characters, dots
// included), compiled once: exact keys go to a Set, the rest into one anchored RegExp.

export interface KeyMatcher {
  readonly empty: boolean;
  matches(key: string): boolean;
}

const regexSpecials = /[.+?^${}()|[\]\\]/g;

export function compileKeyGlobs(globs: readonly string[]): KeyMatcher {
  const exact = new Set<string>();
  const patterns: string[] = [];
  for (const glob of globs) {
    if (glob.includes('*')) patterns.push(glob.replace(regexSpecials, '\\$&').replace(/\*+/g, '.*'));
    else exact.add(glob);
  }
  const pattern = patterns.length > 0 ? new RegExp(`^(?:${patterns.join('|')})$`, 's') : undefined;
  return {
    empty: exact.size === 0 && pattern === undefined,
    matches: (key) => exact.has(key) || (pattern !== undefined && pattern.test(key)),
  };
}
