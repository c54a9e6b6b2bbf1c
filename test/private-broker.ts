// A second Kafka broker, one test file's own, to stop and start without disturbing the shared
// one: the repo's script with its own ports and state dir (pid file, config, logs, lock, data),
// sharing only the cached jars. Used by the ingest and CLI broker-restart tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKafkaScript } from './kafka-script.js';

export interface PrivateBroker {
  brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `label` names its state folder (tracebar-<label>-broker-*). */
export async function createPrivateBroker(label: string): Promise<PrivateBroker> {
  const home = await mkdtemp(join(tmpdir(), `tracebar-${label}-broker-`));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_STATE_DIR: home,
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
    KAFKA_STOP_TIMEOUT: '20',
  };
  const run = async (command: string) => {
    await runKafkaScript([command], env);
  };
  return {
    brokers: [`127.0.0.1:${port}`],
    start: () => run('start'),
    stop: () => run('stop'),
    async destroy() {
      await run('stop').catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
