import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { applyOverrides, readEnvOverrides, type EnvOverride } from './env-overrides.js';
import { configSchema, type TracebarConfig } from './schema.js';
import { objectKeys, schemaAt } from './schema-walk.js';

export const DEFAULT_CONFIG_FILE = 'config/tracebar.yaml';

export interface LoadConfigOptions {
  /** Explicit file (from `--config`); wins over TRACEBAR_CONFIG and the default path. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: TracebarConfig;
  /** The file read, or undefined when none exists and defaults apply. */
  file: string | undefined;
}

function resolveFile(options: LoadConfigOptions, cwd: string): { file: string | undefined; explicit: boolean } {
  const named = options.file ?? options.env?.TRACEBAR_CONFIG;
  if (named) return { file: path.resolve(cwd, named), explicit: true };
  const fallback = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  return { file: existsSync(fallback) ? fallback : undefined, explicit: false };
}

function readDocument(file: string | undefined, explicit: boolean): Record<string, unknown> {
  if (file === undefined) return {};
  if (!existsSync(file)) {
    throw new ConfigError([{ key: '(file)', source: file, message: explicit ? 'config file not found' : 'missing' }]);
  }
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new ConfigError([{ key: '(file)', source: file, message: `not valid YAML: ${detail}` }]);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ key: '(file)', source: file, message: 'expected a mapping of config keys at the top level' }]);
  }
  return document as Record<string, unknown>;
}

function dotted(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(document: unknown, segments: readonly PropertyKey[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function toIssues(error: z.ZodError, document: unknown, file: string | undefined, overrides: readonly EnvOverride[]): ConfigIssue[] {
  const sourceOf = (segments: readonly PropertyKey[]): string => {
    const key = segments.filter((segment) => typeof segment === 'string').join('.');
    const override = overrides.find((candidate) => key.startsWith(candidate.path.join('.')));
    return override ? override.variable : (file ?? 'defaults');
  };
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const expected = objectKeys(schemaAt(configSchema, issue.path.filter((s): s is string | number => typeof s !== 'symbol')));
      for (const key of issue.keys) {
        issues.push({
          key: dotted([...issue.path, key]),
          source: sourceOf([...issue.path, key]),
          message: `unknown key; expected one of ${expected.join(', ')}`,
        });
      }
      continue;
    }
    const got = describe(valueAt(document, issue.path));
    let message: string;
    if (issue.code === 'invalid_type') message = `expected ${issue.expected}, got ${got}`;
    else if (issue.code === 'invalid_value') message = `expected one of ${issue.values.map((v) => String(v)).join(', ')}, got ${got}`;
    else message = `${issue.message.replace(/^Invalid input: /, '')}, got ${got}`;
    issues.push({ key: dotted(issue.path) || '(root)', source: sourceOf(issue.path), message });
  }
  return issues;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Reads config/tracebar.yaml (or the named file), applies TRACEBAR_* overrides, validates, freezes. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const { file, explicit } = resolveFile(options, cwd);
  const document = readDocument(file, explicit);
  const overrides = readEnvOverrides(options.env ?? {});
  const merged = applyOverrides(document, overrides);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(toIssues(result.error, merged, file, overrides));
  const config = { ...result.data, dataDir: path.resolve(cwd, result.data.dataDir) };
  return { config: deepFreeze(config), file };
}
