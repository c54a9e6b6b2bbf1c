/** One async critical section at a time: batches, ticks and rebalances all change the same state. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** Something holds the lock or waits for it. */
  get busy(): boolean {
    return this.#waiting > 0;
  }

  run<T>(step: () => Promise<T> | T): Promise<T> {
    this.#waiting++;
    const result = this.#tail.then(step).finally(() => {
      this.#waiting--;
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
