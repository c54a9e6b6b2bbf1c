import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TracebarClickHouseError } from './errors.js';
import { splitSqlStatements, SqlSyntaxError, type SqlStatement } from './sql-statements.js';

export interface MigrationFile {
  /** The number the file name starts with. */
  readonly version: number;
  /** The file name, e.g. `0001_spans.sql`. */
  readonly name: string;
  /** Hex sha256 of the content with CRLF line ends read as LF, so a checkout's line-end style does not count as a change. */
  readonly checksum: string;
  readonly statements: readonly SqlStatement[];
}

const fileName = /^(\d{4,9})_[A-Za-z0-9][A-Za-z0-9_-]*\.sql$/;

/**
 * Reads every `NNNN_description.sql` in `dir`, in ascending version order. Files not ending in
 * `.sql` are ignored (a README may sit beside the migrations); a `.sql` file with another name,
 * two files with one number, an unterminated literal or a file without statements is an error.
 */
export async function loadMigrationFiles(dir: string): Promise<MigrationFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new TracebarClickHouseError('MIGRATION_FILE', `cannot read the migrations folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const files: MigrationFile[] = [];
  for (const name of entries.filter((e) => e.endsWith('.sql')).sort()) {
    const match = fileName.exec(name);
    if (match?.[1] === undefined) {
      throw new TracebarClickHouseError('MIGRATION_FILE', `${name}: migration files are named NNNN_description.sql (digits, underscore, letters/digits/_/-)`, { file: name });
    }
    files.push(parseMigration(name, Number(match[1]), await readFile(join(dir, name), 'utf8')));
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    const [prev, cur] = [files[i - 1], files[i]];
    if (prev !== undefined && cur !== undefined && prev.version === cur.version) {
      throw new TracebarClickHouseError('MIGRATION_FILE', `${prev.name} and ${cur.name} share version ${cur.version}`, { file: cur.name });
    }
  }
  return files;
}

/** Parses one migration's content; exported for tests and tools that hold SQL in memory. */
export function parseMigration(name: string, version: number, content: string): MigrationFile {
  const normalized = content.replace(/\r\n/g, '\n');
  let statements: SqlStatement[];
  try {
    statements = splitSqlStatements(normalized);
  } catch (err) {
    if (!(err instanceof SqlSyntaxError)) throw err;
    throw new TracebarClickHouseError('MIGRATION_FILE', `${name}: ${err.message}`, { cause: err, file: name });
  }
  if (statements.length === 0) {
    throw new TracebarClickHouseError('MIGRATION_FILE', `${name}: holds no SQL statement`, { file: name });
  }
  const checksum = createHash('sha256').update(normalized).digest('hex');
  return { version, name, checksum, statements };
}
