/**
 * Error codes of this library. Every one is permanent: retrying the same call with the same
 * input and the same data folder or migrations folder fails the same way.
 */
export type ClickHouseErrorCode =
  /** Options are invalid (missing dataPath without url, bad database name). */
  | 'CLICKHOUSE_OPTIONS'
  /** The embedded engine could not open its data folder (held by another process, or another folder is open in this process). */
  | 'CLICKHOUSE_OPEN'
  /** A read-only query was refused: a write, DDL, several statements, or INTO OUTFILE. */
  | 'READ_ONLY_QUERY'
  /** A migrations folder holds a badly named or duplicate-numbered .sql file, or a file cannot be split. */
  | 'MIGRATION_FILE'
  /** An applied migration's file no longer matches the checksum recorded when it ran. */
  | 'MIGRATION_CHANGED'
  /** A statement of a migration failed; the migration is not recorded and later ones did not run. */
  | 'MIGRATION_FAILED'
  /** The migration lock stayed held by another runner past the wait limit. */
  | 'MIGRATION_LOCK_TIMEOUT'
  /** This runner's lock expired or was taken over while it was still applying migrations. */
  | 'MIGRATION_LOCK_LOST';

export class TracebarClickHouseError extends Error {
  readonly code: ClickHouseErrorCode;
  /** The migration file concerned, when there is one. */
  readonly file: string | undefined;

  constructor(code: ClickHouseErrorCode, message: string, options: { cause?: unknown; file?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TracebarClickHouseError';
    this.code = code;
    this.file = options.file;
  }
}
