// OTLP/JSON carries ids as hex text. Text that is not a valid id must reject only its span (or
// drop only its link), like a protobuf id of the wrong length, so the JSON decoder keeps the
// problem on the decoded object and the normalizer reads it there.

/** Property (a symbol, so it never collides with an OTLP field) holding why an id is invalid. */
export const invalidIdReason: unique symbol = Symbol('tracebar.invalidIdReason');

/** A decoded span or link that may carry an id problem found while decoding. */
export interface WithInvalidId {
  [invalidIdReason]?: string;
}

export function invalidIdReasonOf(decoded: object): string | undefined {
  return (decoded as WithInvalidId)[invalidIdReason];
}
