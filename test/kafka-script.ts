// Runs deploy/local/kafka.sh, the local Apache Kafka broker script, from tests and setup.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const kafkaScript = fileURLToPath(new URL('../deploy/local/kafka.sh', import.meta.url));

// Covers a cold Maven fetch on a slow network; the script has its own start timeout.
const SCRIPT_TIMEOUT_MS = 10 * 60_000;

/** Runs kafka.sh; resolves with its stderr (its progress lines), rejects with them in the message. */
export function runKafkaScript(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kafkaScript, args, { env, timeout: SCRIPT_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error) {
        reject(new Error(`deploy/local/kafka.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      } else {
        resolve(stderr);
      }
    });
  });
}
