import type { EventEmitter } from 'node:events';
import { loadConfig } from '@tracebar/config';
import { EXIT, UsageError } from '../cli-error.js';
import { checkRunnable, isPipelineComponent, parseComponentList, PIPELINE_COMPONENTS, type PipelineComponent } from './components.js';
import { runUp } from './up.js';

export interface UpCommandOptions {
  /** `up`, or one service: `ingest`, `sessionizer`, `scorer`, `sink`. */
  command: string;
  args: readonly string[];
  configFile: string | undefined;
  /** `--components` (only with `up`). */
  components: string | undefined;
  validate: boolean;
  env: NodeJS.ProcessEnv;
  signals: EventEmitter;
  forceExit: (code: number) => void;
  write: (text: string) => void;
}

function chosenComponents(command: string, list: string | undefined): readonly PipelineComponent[] {
  if (isPipelineComponent(command)) {
    if (list !== undefined) throw new UsageError(`--components goes with up (tracebar up --components ${command},...), not with ${command}`);
    return [command];
  }
  return list === undefined ? PIPELINE_COMPONENTS : parseComponentList(list);
}

/** `tracebar up [--components a,b]` and `tracebar ingest|sessionizer|scorer|sink`: the same run, a different set. */
export async function runUpCommand(options: UpCommandOptions): Promise<number> {
  const { command } = options;
  if (options.args.length > 0) throw new UsageError(`${command} takes no arguments, got: ${options.args.join(' ')}`);
  const components = chosenComponents(command, options.components);
  const loaded = loadConfig({ file: options.configFile, env: options.env });
  checkRunnable(loaded.config, components, command);
  if (options.validate) {
    options.write(`config ok${loaded.file ? ` (${loaded.file})` : ' (defaults)'}\n`);
    return EXIT.ok;
  }
  return runUp({ config: loaded.config, configFile: loaded.file, components, command, signals: options.signals, forceExit: options.forceExit });
}
