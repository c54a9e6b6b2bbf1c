// vitest global setup: brings up the local Apache Kafka broker through the repo's own
// script (deploy/local/kafka.sh), so `npm test` on a fresh clone needs no hand-installed
// Kafka. Set TRACEBAR_TEST_KAFKA_BROKERS to use another broker and start nothing.
import type { TestProject } from 'vitest/node';
import { runKafkaScript } from './kafka-script.js';

const BROKERS_ENV = 'TRACEBAR_TEST_KAFKA_BROKERS';

let leased = false;

// The lease is this vitest process: concurrent test runs in one checkout share the broker,
// and the last one to finish stops it, only if a test run (not a person) started it.
function leaseEnv(): NodeJS.ProcessEnv {
  return { ...process.env, KAFKA_LEASE: String(process.pid) };
}

export async function setup(project: TestProject): Promise<void> {
  const external = process.env[BROKERS_ENV];
  if (external) {
    project.provide('kafkaBrokers', external);
    project.provide('kafkaFromLocalScript', false);
    return;
  }
  const output = await runKafkaScript(['start'], leaseEnv());
  leased = true;
  process.stderr.write(output);
  const brokers = `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
  // Set before the workers fork, so code that reads the env sees it too.
  process.env[BROKERS_ENV] = brokers;
  project.provide('kafkaBrokers', brokers);
  project.provide('kafkaFromLocalScript', true);
}

export async function teardown(): Promise<void> {
  if (!leased) return;
  leased = false;
  delete process.env[BROKERS_ENV];
  process.stderr.write(await runKafkaScript(['release'], leaseEnv()));
}
