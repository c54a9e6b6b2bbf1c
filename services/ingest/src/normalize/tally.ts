/** What normalizing one attribute set (or span) changed, added to the request's counts once the span is kept. */
export interface Tally {
  truncatedValues: number;
  redactedValues: number;
  droppedAttributes: number;
}

export function newTally(): Tally {
  return { truncatedValues: 0, redactedValues: 0, droppedAttributes: 0 };
}

export function addTally(into: Tally, from: Tally): void {
  into.truncatedValues += from.truncatedValues;
  into.redactedValues += from.redactedValues;
  into.droppedAttributes += from.droppedAttributes;
}
