import type { z } from 'zod';

/** `evaluators[1].params.maxRetries` from a zod issue path. */
export function keyPath(path: readonly PropertyKey[]): string {
  let key = '';
  for (const part of path) {
    if (typeof part === 'number') key += `[${part}]`;
    else key += key ? `.${String(part)}` : String(part);
  }
  return key;
}

/** The first issue, as key and problem. */
export function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): { key: string; problem: string } {
  const issue = error.issues[0];
  if (!issue) return { key: keyPath(prefix), problem: 'invalid' };
  return { key: keyPath([...prefix, ...issue.path]), problem: issue.message };
}
