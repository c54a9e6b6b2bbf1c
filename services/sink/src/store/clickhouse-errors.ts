// Which ClickHouse failures a retry cannot fix because of the rows themselves.

/**
 * ClickHouse error codes raised while parsing or converting inserted data: the rows are bad,
 * so the same insert fails the same way. Every other failure (network, server down, too many
 * parts, memory, a missing table before migrations ran) is retried.
 */
const rowDataCodes = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  1001, // STD_EXCEPTION (e.g. a malformed UTF-8 escape)
]);

export function isRowDataError(error: unknown): boolean {
  const code = Number((error as { code?: unknown } | null)?.code);
  return Number.isInteger(code) && rowDataCodes.has(code);
}

/**
 * What makes the engine refuse framed SpanRecords for good: row data errors, and the Protobuf
 * reader's own (a record it cannot read, a schema it cannot use). The sink then inserts the
 * records as RowBinary instead, which every ClickHouse reads.
 */
const protobufCodes = new Set([
  33, // CANNOT_READ_ALL_DATA
  434, // CANNOT_PARSE_PROTOBUF_SCHEMA
  435, // NO_COLUMN_SERIALIZED_TO_REQUIRED_PROTOBUF_FIELD
  436, // PROTOBUF_BAD_CAST
  437, // PROTOBUF_FIELD_NOT_REPEATED
  443, // NO_COLUMNS_SERIALIZED_TO_PROTOBUF_FIELDS
  444, // UNKNOWN_PROTOBUF_FORMAT
  569, // MULTIPLE_COLUMNS_SERIALIZED_TO_SAME_PROTOBUF_FIELD
  570, // DATA_TYPE_INCOMPATIBLE_WITH_PROTOBUF_FIELD
]);

export function isProtobufDataError(error: unknown): boolean {
  const code = Number((error as { code?: unknown } | null)?.code);
  return isRowDataError(error) || (Number.isInteger(code) && protobufCodes.has(code));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
