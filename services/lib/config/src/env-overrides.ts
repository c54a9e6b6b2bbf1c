import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { configSchema } from './schema.js';
import { leafKind, objectKeys, schemaAt } from './schema-walk.js';

export const ENV_PREFIX = 'TRACEBAR_';

/** Variables read by tools around the config (not config keys themselves). */
const RESERVED = new Set(['TRACEBAR_CONFIG']);
const RESERVED_PREFIXES = ['TRACEBAR_TEST_'];

/** Short names for the settings operators change most; everything else is TRACEBAR_<A>__<B>. */
const ALIASES: Record<string, { path: string[]; also?: { path: string[]; value: unknown } }> = {
  TRACEBAR_DATA_DIR: { path: ['dataDir'] },
  TRACEBAR_LOG_LEVEL: { path: ['log', 'level'] },
  TRACEBAR_KAFKA_BROKERS: { path: ['bus', 'kafka', 'brokers'], also: { path: ['bus', 'kind'], value: 'kafka' } },
  TRACEBAR_CLICKHOUSE_URL: { path: ['clickhouse', 'url'] },
  TRACEBAR_CLICKHOUSE_USER: { path: ['clickhouse', 'username'] },
  TRACEBAR_CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'] },
  TRACEBAR_CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'] },
};

export interface EnvOverride {
  variable: string;
  path: string[];
  value: unknown;
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function parseValue(raw: string, kind: ReturnType<typeof leafKind>): unknown {
  if (kind === 'string') return raw;
  if (kind === 'array' && !raw.trimStart().startsWith('[')) {
    return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  }
  try {
    return parseYaml(raw) as unknown;
  } catch {
    return raw;
  }
}

function pathForVariable(variable: string): string[] {
  const alias = ALIASES[variable];
  if (alias) return alias.path;
  return variable.slice(ENV_PREFIX.length).split('__').map(camelCase);
}

/** Reads TRACEBAR_* variables into config paths; an unknown variable is an error naming it. */
export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverride[] {
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  for (const [variable, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined) continue;
    if (RESERVED.has(variable) || RESERVED_PREFIXES.some((prefix) => variable.startsWith(prefix))) continue;
    const path = pathForVariable(variable);
    const leaf = schemaAt(configSchema, path);
    if (leaf === undefined || leafKind(leaf) === 'object') {
      const parent = schemaAt(configSchema, path.slice(0, -1));
      const keys = objectKeys(parent);
      issues.push({
        key: path.join('.'),
        source: variable,
        message:
          leaf === undefined
            ? `unknown key${keys.length > 0 ? `; expected one of ${keys.join(', ')}` : ''} (or one of ${Object.keys(ALIASES).join(', ')})`
            : `is a section, not a value; set one of its keys (${objectKeys(leaf).join(', ')})`,
      });
      continue;
    }
    overrides.push({ variable, path, value: parseValue(raw, leafKind(leaf)) });
    const also = ALIASES[variable]?.also;
    if (also) overrides.push({ variable, path: also.path, value: also.value });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return overrides;
}

export function applyOverrides(document: Record<string, unknown>, overrides: readonly EnvOverride[]): Record<string, unknown> {
  const result = structuredClone(document);
  for (const { path, value } of overrides) {
    let node: Record<string, unknown> = result;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return result;
}
