// API key → tenant. Keys are looked up by their SHA-256, so the lookup's timing says nothing
// about how much of a guessed key was right.
import { createHash } from 'node:crypto';
import type { IngestConfig } from '@tracebar/config';
import { failure, type Failure } from './failures.js';

export const DEFAULT_TENANT = 'default';

/** The tenant of a request, or why it was refused. */
export type Authenticate = (authorization: string | undefined, apiKey: string | undefined) => string | Failure;

const digest = (key: string): string => createHash('sha256').update(key).digest('base64');

const bearer = /^bearer\s+(\S+)\s*$/i;

export function createAuthenticator(apiKeys: IngestConfig['apiKeys']): Authenticate {
  if (apiKeys.length === 0) return () => DEFAULT_TENANT;
  const tenants = new Map(apiKeys.map((entry) => [digest(entry.key), entry.tenant]));
  return (authorization, apiKey) => {
    const key = apiKey?.trim() || bearer.exec(authorization ?? '')?.[1];
    if (!key) return failure('unauthenticated', 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    return tenants.get(digest(key)) ?? failure('unauthenticated', 'unknown API key');
  };
}
