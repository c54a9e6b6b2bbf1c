// Text known so far in a session (system prompt, user messages, tool results...), searched with
// `includes` as it grows. Appending to one string and searching it makes V8 flatten (copy) the whole
// string at every search: quadratic in the session. The parts are kept apart instead; the text is
// their join with "\n", and a needle without "\n" occurs in it exactly when it occurs in some part.
export class KnownText {
  private readonly parts: string[];
  private readonly found = new Set<string>();

  /**
   * first: the text known from the start; firstSearchable: a shorter text in which a needle
   * without "\n" occurs exactly when it occurs in `first` (the caller knows its needles' alphabet).
   */
  constructor(
    first: string,
    private readonly firstSearchable = first,
  ) {
    this.parts = [first];
  }

  /** Appends "\n" + text. */
  add(text: string): void {
    this.parts.push(text);
  }

  includes(needle: string): boolean {
    if (needle.includes('\n')) return this.parts.join('\n').includes(needle);
    // The text only grows: a needle found once is there for good. Callers ask for the same values again
    // and again (an id at every call that uses it): half the searches of a session.
    if (this.found.has(needle)) return true;
    // Newest first: what a session states is mostly what a recent tool returned.
    let found = false;
    for (let i = this.parts.length - 1; i > 0 && !found; i--) found = this.parts[i]!.includes(needle);
    found ||= this.firstSearchable.includes(needle);
    if (found) this.found.add(needle);
    return found;
  }
}
