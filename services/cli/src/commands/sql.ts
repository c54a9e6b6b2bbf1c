import type { TracebarConfig } from '@tracebar/config';
import type { SqlParams, SqlResult } from '@tracebar/runtime';
import { adminBaseUrl, sqlViaAdmin } from '../admin-client.js';
import { formatRows, type OutputFormat } from '../format-rows.js';
import { queryStoreDirectly } from '../store.js';

export interface SqlCommandOptions {
  config: TracebarConfig;
  query: string;
  params: SqlParams;
  format: OutputFormat;
  write: (text: string) => void;
}

/** Prefers the running instance (chDB locks its folder to the process holding it). */
export async function runSqlCommand(options: SqlCommandOptions): Promise<SqlResult> {
  const viaAdmin = await sqlViaAdmin(adminBaseUrl(options.config), options.query, options.params);
  const result = viaAdmin ?? (await queryStoreDirectly(options.config, options.query, options.params));
  options.write(formatRows(result, options.format));
  return result;
}
