// Text known so far in a session (system prompt, user messages, tool results...), searched with
// `includes` as it grows. Appending to one string and searching it makes V8 flatten (copy) the whole
// string at every search: quadratic in the session. The parts are kept apart instead; the text is
// their join with "\n", and a needle without "\n" occurs in it exactly when it occurs in some part.
export class KnownText {
  private readonly parts: string[];

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
    // Newest first: what a session states is mostly what a recent tool returned.
    for (let i = this.parts.length - 1; i > 0; i--) if (this.parts[i]!.includes(needle)) return true;
    return this.firstSearchable.includes(needle);
  }
}
