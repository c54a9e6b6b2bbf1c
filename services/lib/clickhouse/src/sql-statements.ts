/** One statement of a SQL script. */
export interface SqlStatement {
  /** The statement as written, trimmed, without its terminating `;`. */
  readonly sql: string;
  /**
   * The same statement with comments removed and each string literal, quoted identifier or
   * heredoc replaced by `?`, so keyword checks cannot be fooled by text inside them.
   */
  readonly code: string;
  /** 1-based line of the script where the statement starts, for error messages. */
  readonly line: number;
}

type Mode =
  | { kind: 'code' }
  | { kind: 'quoted'; quote: string }
  | { kind: 'line-comment' }
  | { kind: 'block-comment'; depth: number }
  | { kind: 'heredoc'; tag: string };

const heredocTag = /^\$[A-Za-z0-9_]*\$/;
const wordChar = /[A-Za-z0-9_$]/;

/**
 * Splits a script on `;` at statement ends. Follows the ClickHouse lexer where it matters for
 * finding those ends: '…', "…" and `…` quoting (backslash escapes and doubled quotes), `--` and
 * `#` line comments, nested block comments and `$tag$…$tag$` heredocs. Statements that hold
 * only whitespace or comments are dropped.
 */
export function splitSqlStatements(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let mode: Mode = { kind: 'code' };
  let start = 0;
  let line = 1;
  let startLine = 1;
  let code = '';

  const finish = (end: number): void => {
    if (code.trim() !== '') {
      statements.push({ sql: script.slice(start, end).trim(), code: code.trim(), line: startLine });
    }
    code = '';
  };

  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? '';
    const next = script[i + 1] ?? '';
    if (code.trim() === '' && ch.trim() !== '' && mode.kind === 'code') startLine = line;
    if (ch === '\n') line++;

    switch (mode.kind) {
      case 'code':
        if (ch === ';') {
          finish(i);
          start = i + 1;
          startLine = line;
        } else if (ch === "'" || ch === '"' || ch === '`') {
          mode = { kind: 'quoted', quote: ch };
          code += '?';
        } else if ((ch === '-' && next === '-') || ch === '#') {
          mode = { kind: 'line-comment' };
        } else if (ch === '/' && next === '*') {
          mode = { kind: 'block-comment', depth: 1 };
          i++;
        } else if (ch === '$' && !wordChar.test(script[i - 1] ?? ' ')) {
          const tag = heredocTag.exec(script.slice(i, i + 64))?.[0];
          if (tag === undefined) {
            code += ch;
          } else {
            mode = { kind: 'heredoc', tag };
            code += '?';
            i += tag.length - 1;
          }
        } else {
          code += ch;
        }
        break;
      case 'quoted':
        if (ch === '\\') {
          if (next === '\n') line++;
          i++;
        } else if (ch === mode.quote) {
          if (next === mode.quote) i++;
          else mode = { kind: 'code' };
        }
        break;
      case 'line-comment':
        if (ch === '\n') {
          mode = { kind: 'code' };
          code += '\n';
        }
        break;
      case 'block-comment':
        if (ch === '/' && next === '*') {
          mode = { kind: 'block-comment', depth: mode.depth + 1 };
          i++;
        } else if (ch === '*' && next === '/') {
          mode = mode.depth === 1 ? { kind: 'code' } : { kind: 'block-comment', depth: mode.depth - 1 };
          code += ' ';
          i++;
        }
        break;
      case 'heredoc':
        if (script.startsWith(mode.tag, i)) {
          i += mode.tag.length - 1;
          mode = { kind: 'code' };
        }
        break;
    }
  }

  if (mode.kind === 'quoted' || mode.kind === 'heredoc' || mode.kind === 'block-comment') {
    throw new SqlSyntaxError(`unterminated ${describe(mode)} in statement starting on line ${startLine}`);
  }
  finish(script.length);
  return statements;
}

function describe(mode: Mode): string {
  switch (mode.kind) {
    case 'quoted':
      return mode.quote === "'" ? 'string literal' : 'quoted identifier';
    case 'heredoc':
      return `heredoc ${mode.tag}`;
    default:
      return 'block comment';
  }
}

/** The script cannot be split: a literal, identifier, heredoc or comment is never closed. */
export class SqlSyntaxError extends Error {
  readonly code = 'SQL_SYNTAX';
  constructor(message: string) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}
