import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type TracebarConfig } from '@tracebar/config';
import { ObjectivesInvalidError } from '@tracebar/objectives';
import { DATASET_FORMATS, isDatasetFormat } from '@tracebar/importers';
import { SqlRejectedError } from '@tracebar/runtime';
import { EXIT, UsageError } from './cli-error.js';
import { runObjectivesCommand } from './commands/objectives.js';
import { runImportCommand } from './commands/import.js';
import { runSqlCommand } from './commands/sql.js';
import { runReportCommand } from './commands/report.js';
import { runTailCommand } from './commands/tail.js';
import { runUpCommand } from './commands/up-command.js';
import type { OutputFormat } from './format-rows.js';
import { USAGE } from './usage.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      validate: { type: 'boolean', default: false },
      components: { type: 'string' },
      format: { type: 'string', short: 'f', default: 'table' },
      param: { type: 'string', short: 'p', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
      endpoint: { type: 'string' },
      'outcomes-as-labels': { type: 'boolean', default: false },
      'start-time': { type: 'string' },
      'from-beginning': { type: 'boolean', default: false },
      since: { type: 'string', default: '7d' },
      tenant: { type: 'string', default: 'default' },
    },
  });
}

/** `--param tenant=default` binds `{tenant:String}` in the query. */
function parseParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--param expects name=value, got ${pair}`);
    params[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return params;
}

function load(file: string | undefined): TracebarConfig {
  return loadConfig({ file, env: process.env }).config;
}

async function dispatch(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  switch (command) {
    case 'up':
    case 'ingest':
    case 'sessionizer':
    case 'scorer':
    case 'sink':
      return runUpCommand({
        command,
        args: rest,
        configFile: values.config,
        components: values.components,
        validate: values.validate,
        env: process.env,
        signals: process,
        forceExit: (code) => process.exit(code),
        write: (text) => process.stdout.write(text),
      });
    case 'sql': {
      if (rest.length !== 1) throw new UsageError('sql takes exactly one query argument: tracebar sql "SELECT 1"');
      if (values.format !== 'table' && values.format !== 'jsonl') {
        throw new UsageError(`--format must be table or jsonl, got ${values.format}`);
      }
      await runSqlCommand({
        config: load(values.config),
        query: rest[0] as string,
        params: parseParams(values.param),
        format: values.format as OutputFormat,
        write: (text) => process.stdout.write(text),
      });
      return EXIT.ok;
    }
    case 'objectives': {
      const [action = '', ...args] = rest;
      return runObjectivesCommand({ config: load(values.config), action, args, write: (text) => process.stdout.write(text) });
    }
    case 'import': {
      if (rest.length !== 1) throw new UsageError('import takes one file or folder: tracebar import <file|folder> --format openai-messages|who-and-when');
      if (!isDatasetFormat(values.format)) throw new UsageError(`import needs --format ${DATASET_FORMATS.join('|')}, got ${values.format}`);
      const startTime = values['start-time'] === undefined ? undefined : new Date(values['start-time']);
      if (startTime && Number.isNaN(startTime.getTime())) throw new UsageError(`--start-time expects an ISO time such as 2026-01-31T09:00:00Z, got ${values['start-time']}`);
      await runImportCommand({
        config: load(values.config),
        path: rest[0] as string,
        format: values.format,
        endpoint: values.endpoint,
        outcomesAsLabels: values['outcomes-as-labels'],
        startTime,
        progress: process.stderr,
        write: (text) => process.stdout.write(text),
      });
      return EXIT.ok;
    }
    case 'tail': {
      const [topic, ...extra] = rest;
      if ((topic !== 'review' && topic !== 'alerts') || extra.length > 0) throw new UsageError('tail takes review or alerts: tracebar tail review [--from-beginning] [--format text|jsonl]');
      const format = values.format === 'table' ? 'text' : values.format;
      if (format !== 'text' && format !== 'jsonl') throw new UsageError(`--format must be text or jsonl, got ${values.format}`);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runTailCommand({ config: load(values.config), topic, fromBeginning: values['from-beginning'], format, stop: stop.signal, write: (text) => process.stdout.write(text) });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return EXIT.ok;
    }
    case 'report': {
      if (rest.length > 0) throw new UsageError(`report takes no arguments, got: ${rest.join(' ')}`);
      if (values.format !== 'table' && values.format !== 'jsonl') throw new UsageError(`--format must be table or jsonl, got ${values.format}`);
      await runReportCommand({ config: load(values.config), since: values.since, tenant: values.tenant, format: values.format, write: (text) => process.stdout.write(text) });
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

/** The CLI's only entry point: reads argv/env, owns exit codes; `up` owns signals. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`tracebar: ${error.message}\nRun 'tracebar help' for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`tracebar: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ObjectivesInvalidError) {
      process.stderr.write(`tracebar: invalid objectives:\n${error.message}\n`);
      return EXIT.failure;
    }
    if (error instanceof SqlRejectedError) {
      process.stderr.write(`tracebar: query rejected: ${error.message}\n`);
      return EXIT.failure;
    }
    process.stderr.write(`tracebar: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}
