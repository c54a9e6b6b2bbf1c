// Text known so far in a session (system prompt, user messages, tool results...), searched with
// `includes` as it grows. Appending to one string and searching it makes V8 flatten (copy) the whole
// string at every search: quadratic in the session. The parts are kept apart instead; the text is
// their join with "\n", and a needle without "\n" occurs in it exactly when it occurs in some part.
export class KnownText {
  private readonly parts: string[];
  private readonly found = new Set<string>();

  /** With `lowercase`: whether each part is lowercased yet (the first is given lowercase). */
  private readonly lowered: boolean[] | undefined;

  /**
   * first: the text known from the start; firstSearchable: a shorter text in which a needle
   * without "\n" occurs exactly when it occurs in `first` (the caller knows its needles' alphabet).
   * lowercase: the text is the lowercase of what is added (`first` is given lowercase); each part is
   * lowercased when first searched (most searches end in the newest parts).
   */
  constructor(
    first: string,
    private readonly firstSearchable = first,
    lowercase = false,
  ) {
    this.parts = [first];
    this.lowered = lowercase ? [true] : undefined;
  }

  /** Appends "\n" + text (its lowercase with `lowercase`). */
  add(text: string): void {
    this.parts.push(text);
    this.lowered?.push(false);
  }

  private part(i: number): string {
    const lowered = this.lowered;
    if (lowered && !lowered[i]) {
      this.parts[i] = this.parts[i]!.toLowerCase();
      lowered[i] = true;
    }
    return this.parts[i]!;
  }

  includes(needle: string): boolean {
    if (needle.includes('\n')) {
      for (let i = 1; i < this.parts.length; i++) this.part(i);
      return this.parts.join('\n').includes(needle);
    }
    // The text only grows: a needle found once is there for good. Callers ask for the same values again
    // and again (an id at every call that uses it): half the searches of a session.
    if (this.found.has(needle)) return true;
    // Newest first: what a session states is mostly what a recent tool returned.
    let found = false;
    for (let i = this.parts.length - 1; i > 0 && !found; i--) found = this.part(i).includes(needle);
    found ||= this.firstSearchable.includes(needle);
    if (found) this.found.add(needle);
    return found;
  }
}
