export { createClickHouse, type ClickHouse, type ClickHouseOptions } from './create-clickhouse.js';
export { queryReadOnly, type ReadOnlyColumn, type ReadOnlyQueryOptions, type ReadOnlyResult } from './query-read-only.js';
export { runMigrations, migrationsTable, type MigrationSummary, type RunMigrationsOptions } from './run-migrations.js';
export { loadMigrationFiles, parseMigration, type MigrationFile } from './migration-files.js';
export { lockTable } from './migration-lock.js';
export type { MigrationLogger } from './migration-logger.js';
export { defaultMigrationsDir } from './migrations-dir.js';
export { splitSqlStatements, SqlSyntaxError, type SqlStatement } from './sql-statements.js';
export { TracebarClickHouseError, type ClickHouseErrorCode } from './errors.js';
