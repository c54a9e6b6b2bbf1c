// What test/global-setup.ts provides to every test file through vitest's inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers of the test broker, e.g. `127.0.0.1:9092`. */
    kafkaBrokers: string;
    /** True when the broker is the one deploy/local/kafka.sh runs (not an external one). */
    kafkaFromLocalScript: boolean;
  }
}
