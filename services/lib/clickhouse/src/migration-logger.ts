/** The slice of a pino logger the migration runner uses; a pino logger fits as it is. */
export interface MigrationLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}
