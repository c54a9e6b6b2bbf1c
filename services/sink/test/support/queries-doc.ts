import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface DocumentedQuery {
  /** The number in the heading (`## 4. Top failing tools` → 4). */
  readonly number: number;
  readonly title: string;
  readonly sql: string;
  /** `{name:Type}` placeholders, by name. */
  readonly params: readonly string[];
}

export const queriesDocPath = fileURLToPath(new URL('../../../../docs/queries.md', import.meta.url));

/** The numbered queries of docs/queries.md: each `## N. Title` section's first sql block. */
export function documentedQueries(markdown = readFileSync(queriesDocPath, 'utf8')): DocumentedQuery[] {
  const sections = markdown.split(/^## /m).slice(1);
  return sections.flatMap((section) => {
    const heading = /^(\d+)\.\s+(.+)$/m.exec(section);
    const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1]?.trim();
    if (!heading || sql === undefined) return [];
    const params = [...new Set([...sql.matchAll(/\{(\w+):[^}]+\}/g)].map((m) => m[1] as string))];
    return [{ number: Number(heading[1]), title: (heading[2] as string).trim(), sql, params }];
  });
}
