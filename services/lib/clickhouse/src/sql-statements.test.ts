import { describe, expect, it } from 'vitest';
import { splitSqlStatements, SqlSyntaxError } from './sql-statements.js';

const sqlOf = (script: string): string[] => splitSqlStatements(script).map((s) => s.sql);

describe('splitSqlStatements', () => {
  it('splits on semicolons at statement ends and drops empty statements', () => {
    expect(sqlOf('SELECT 1;\n\nSELECT 2 ;;  ;\nSELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('keeps semicolons inside string literals, with both escape styles', () => {
    expect(sqlOf(`SELECT 'a;b', 'it''s;', 'back\\';slash';SELECT 2`)).toEqual([`SELECT 'a;b', 'it''s;', 'back\\';slash'`, 'SELECT 2']);
  });

  it('keeps semicolons inside quoted identifiers', () => {
    expect(sqlOf('SELECT 1 AS `a;b`, 2 AS "c;""d";SELECT 3')).toEqual(['SELECT 1 AS `a;b`, 2 AS "c;""d"', 'SELECT 3']);
  });

  it('ignores semicolons in line comments (-- and #) and nested block comments', () => {
    const script = 'SELECT 1 -- not; here\n;SELECT 2 # nor; here\n;/* a; /* nested; */ still; */SELECT 3;';
    expect(sqlOf(script)).toEqual(['SELECT 1 -- not; here', 'SELECT 2 # nor; here', '/* a; /* nested; */ still; */SELECT 3']);
  });

  it('keeps semicolons inside heredocs', () => {
    expect(sqlOf('SELECT $$a;b$$;SELECT $tag$c;d$tag$;SELECT 3')).toEqual(['SELECT $$a;b$$', 'SELECT $tag$c;d$tag$', 'SELECT 3']);
  });

  it('does not read a $ inside a word as a heredoc', () => {
    expect(sqlOf('SELECT a$b$ FROM t;SELECT 2')).toEqual(['SELECT a$b$ FROM t', 'SELECT 2']);
  });

  it('drops statements that are only comments', () => {
    expect(sqlOf('-- header\n/* block */\nSELECT 1;\n-- trailing comment\n')).toEqual(['-- header\n/* block */\nSELECT 1']);
  });

  it('reports the line where each statement starts, after leading comments', () => {
    const lines = splitSqlStatements('-- c\n\nCREATE TABLE a (x String DEFAULT \'1\n2\');\n\nSELECT 1').map((s) => s.line);
    expect(lines).toEqual([3, 6]);
  });

  it('blanks literals and comments in code, for keyword checks', () => {
    const [stmt] = splitSqlStatements("SELECT 'INTO OUTFILE' /* INTO OUTFILE */ -- INTO OUTFILE\nFROM t");
    expect(stmt?.code).not.toMatch(/OUTFILE/);
    expect(stmt?.code).toMatch(/^SELECT \?/);
  });

  it.each([
    ["SELECT 'open", 'string literal'],
    ['SELECT `open', 'quoted identifier'],
    ['SELECT 1 /* open /* */', 'block comment'],
    ['SELECT $x$ open', 'heredoc $x$'],
  ])('refuses an unterminated construct: %s', (script, what) => {
    expect(() => splitSqlStatements(script)).toThrow(SqlSyntaxError);
    expect(() => splitSqlStatements(script)).toThrow(`unterminated ${what}`);
  });
});
