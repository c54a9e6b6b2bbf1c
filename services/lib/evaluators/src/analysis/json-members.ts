// The top-level members of a JSON object text, read without building the object: a tool result is
// often kilobytes of JSON of which a check needs two or three top-level values. Exact for valid JSON
// (the value JSON.parse would give, the last of duplicate keys); for anything it does not follow (an
// escaped key or string, invalid JSON) it says so and the caller parses.

/** A top-level member's value: a string (without escapes), a number, or `nested` for anything else. */
export type MemberValue = string | number | typeof NESTED;
export const NESTED = Symbol('nested');

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

class Scan {
  i = 0;
  constructor(readonly text: string) {}

  space(): number {
    while (this.i < this.text.length && isSpace(this.text.charCodeAt(this.i))) this.i++;
    return this.i < this.text.length ? this.text.charCodeAt(this.i) : -1;
  }

  /** A string starting at its opening quote: its content when it has no escape, else undefined (skipped either way). */
  string(): string | undefined {
    const start = ++this.i;
    let escaped = false;
    for (; this.i < this.text.length; this.i++) {
      const c = this.text.charCodeAt(this.i);
      if (c === 34) {
        this.i++;
        return escaped ? undefined : this.text.slice(start, this.i - 1);
      }
      if (c === 92) {
        escaped = true;
        this.i++;
      }
    }
    throw new Error('unterminated string');
  }

  /** Skips an object or array starting at its opening bracket. */
  nested(): void {
    let depth = 0;
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c === 34) {
        this.string();
        continue;
      }
      this.i++;
      if (c === 123 || c === 91) depth++;
      else if ((c === 125 || c === 93) && --depth === 0) return;
    }
    throw new Error('unterminated value');
  }

  /** A number or literal: the characters up to the next delimiter. */
  token(): string {
    const start = this.i;
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c === 44 || c === 125 || c === 93 || isSpace(c)) break;
      this.i++;
    }
    return this.text.slice(start, this.i);
  }
}

/**
 * Whether a wanted member can still follow a position: only where a backslash or one of `keys` quoted
 * starts at or after it (without a backslash, every key is written as is). Each needle's next occurrence is
 * kept and searched again only once passed: the text is searched forward once per needle at most.
 */
class WantedAhead {
  private readonly needles: string[];
  /** Next occurrence of each needle at or after the last position asked about; -1 none; -2 not searched yet. */
  private readonly next: number[];

  constructor(
    private readonly text: string,
    keys: ReadonlySet<string>,
  ) {
    this.needles = ['\\', ...[...keys].map((key) => `"${key}"`)];
    this.next = this.needles.map(() => -2);
  }

  at(from: number): boolean {
    for (let j = 0; j < this.needles.length; j++) {
      let q = this.next[j]!;
      if (q !== -1 && q < from) this.next[j] = q = this.text.indexOf(this.needles[j]!, from);
      if (q >= 0) return true;
    }
    return false;
  }
}

/**
 * The values of `keys` among the top-level members of a JSON object text (absent keys are left out);
 * undefined when the reader cannot tell (not an object, an escape in a key or wanted string, invalid JSON).
 * With `settled`: after a member, once the rest of the text cannot hold a wanted member (WantedAhead) and
 * `settled(members so far)` holds, the members so far, the rest unread (not checked either).
 */
export function topLevelMembers(text: string, keys: ReadonlySet<string>, settled?: (members: ReadonlyMap<string, MemberValue>) => boolean): Map<string, MemberValue> | undefined {
  const scan = new Scan(text);
  const out = new Map<string, MemberValue>();
  let ahead: WantedAhead | undefined;
  let watching = settled !== undefined;
  try {
    if (scan.space() !== 123) return undefined;
    scan.i++;
    if (scan.space() === 125) return out;
    for (;;) {
      if (scan.space() !== 34) return undefined;
      const key = scan.string();
      if (key === undefined || scan.space() !== 58) return undefined;
      scan.i++;
      const c = scan.space();
      let value: MemberValue | undefined;
      if (c === 34) value = scan.string();
      else if (c === 123 || c === 91) {
        scan.nested();
        value = NESTED;
      } else {
        const token = scan.token();
        if (token === 'true' || token === 'false' || token === 'null') value = NESTED;
        else if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(token)) value = Number(token);
        else return undefined;
      }
      if (keys.has(key)) {
        if (value === undefined) return undefined;
        out.set(key, value);
      }
      if (watching) {
        ahead ??= new WantedAhead(text, keys);
        if (!ahead.at(scan.i)) {
          if (settled!(out)) return out;
          // No wanted member follows: the members stay as they are; read on only to check the rest.
          watching = false;
        }
      }
      const next = scan.space();
      scan.i++;
      if (next === 125) return scan.space() === -1 ? out : undefined;
      if (next !== 44) return undefined;
    }
  } catch {
    return undefined;
  }
}
