import type { SqlResult } from '@tracebar/runtime';

export type OutputFormat = 'table' | 'jsonl';

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Aligned columns under a header row, like clickhouse-client's PrettyCompact without the boxes. */
export function formatTable(result: SqlResult): string {
  const header = result.columns.map((column) => column.name);
  const body = result.rows.map((row) => row.map(cellText));
  const widths = header.map((name, index) => Math.max(name.length, ...body.map((row) => (row[index] ?? '').length)));
  const numeric = result.columns.map((column) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(column.type));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n') + '\n';
}

/** One JSON object per row, keyed by column name: what `jq` and scripts want. */
export function formatJsonLines(result: SqlResult): string {
  return result.rows
    .map((row) => JSON.stringify(Object.fromEntries(result.columns.map((column, index) => [column.name, row[index]]))) + '\n')
    .join('');
}

export function formatRows(result: SqlResult, format: OutputFormat): string {
  return format === 'jsonl' ? formatJsonLines(result) : formatTable(result);
}
