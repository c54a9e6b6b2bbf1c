import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test/temp-dir.js';
import { defaultMigrationsDir } from './migrations-dir.js';
import { loadMigrationFiles, parseMigration } from './migration-files.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function folder(files: Record<string, string>): string {
  const temp = makeTempDir('files');
  cleanup = temp.remove;
  for (const [name, content] of Object.entries(files)) writeFileSync(join(temp.path, name), content);
  return temp.path;
}

describe('loadMigrationFiles', () => {
  it('orders by number, not by name, and ignores files that are not .sql', async () => {
    const dir = folder({ '10000_late.sql': 'SELECT 3', '9999_mid.sql': 'SELECT 2', '0001_first.sql': 'SELECT 1', 'README.md': '# x' });
    const files = await loadMigrationFiles(dir);
    expect(files.map((f) => [f.version, f.name])).toEqual([
      [1, '0001_first.sql'],
      [9999, '9999_mid.sql'],
      [10000, '10000_late.sql'],
    ]);
  });

  it('splits each file into statements', async () => {
    const dir = folder({ '0001_two.sql': "CREATE TABLE a (s String DEFAULT ';');\n-- done;\nSELECT 1;\n" });
    const [file] = await loadMigrationFiles(dir);
    expect(file?.statements.map((s) => s.sql)).toEqual(["CREATE TABLE a (s String DEFAULT ';')", '-- done;\nSELECT 1']);
  });

  it.each([
    ['1_short.sql', 'NNNN_description'],
    ['0001-dash.sql', 'NNNN_description'],
    ['0001_.sql', 'NNNN_description'],
  ])('refuses the badly named %s', async (name, message) => {
    await expect(loadMigrationFiles(folder({ [name]: 'SELECT 1' }))).rejects.toMatchObject({ code: 'MIGRATION_FILE', file: name, message: expect.stringContaining(message) as unknown });
  });

  it('refuses two files with the same number, naming both', async () => {
    const dir = folder({ '0002_a.sql': 'SELECT 1', '0002_b.sql': 'SELECT 2' });
    await expect(loadMigrationFiles(dir)).rejects.toMatchObject({ code: 'MIGRATION_FILE', message: '0002_a.sql and 0002_b.sql share version 2' });
  });

  it('refuses a file without statements and one with an unterminated literal', async () => {
    await expect(loadMigrationFiles(folder({ '0001_empty.sql': '-- nothing\n' }))).rejects.toMatchObject({ code: 'MIGRATION_FILE', file: '0001_empty.sql' });
    await expect(loadMigrationFiles(folder({ '0001_open.sql': "SELECT 'x" }))).rejects.toMatchObject({
      code: 'MIGRATION_FILE',
      message: expect.stringContaining('0001_open.sql: unterminated string literal') as unknown,
    });
  });

  it('reports a missing folder', async () => {
    const dir = join(folder({}), 'missing');
    await expect(loadMigrationFiles(dir)).rejects.toMatchObject({ code: 'MIGRATION_FILE', message: expect.stringContaining(dir) as unknown });
  });

  it('reads an empty folder as no migrations', async () => {
    const dir = join(folder({}), 'empty');
    mkdirSync(dir);
    expect(await loadMigrationFiles(dir)).toEqual([]);
  });
});

describe('parseMigration', () => {
  it('checksums content as sha256, reading CRLF line ends as LF', () => {
    const lf = parseMigration('0001_a.sql', 1, 'SELECT 1;\nSELECT 2;\n');
    // printf 'SELECT 1;\nSELECT 2;\n' | sha256sum
    expect(lf.checksum).toBe('82efb67f3010c6eb7ead02e4f6d9550633dbc1407f99aa487468e7b2567aebbc');
    expect(parseMigration('0001_a.sql', 1, 'SELECT 1;\r\nSELECT 2;\r\n').checksum).toBe(lf.checksum);
    expect(parseMigration('0001_a.sql', 1, 'SELECT 1;\nSELECT 3;\n').checksum).not.toBe(lf.checksum);
  });
});

describe('defaultMigrationsDir', () => {
  it('points at the package migrations folder, which loads', async () => {
    expect(defaultMigrationsDir).toMatch(/services\/lib\/clickhouse\/migrations$/);
    await expect(loadMigrationFiles(defaultMigrationsDir)).resolves.toBeInstanceOf(Array);
  });
});
