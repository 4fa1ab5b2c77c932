// src/payments/mutex.ts: one task at a time per key (per payment), others queue in order.

export class KeyedMutex<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  /** Runs `fn` after every earlier task of `key` has settled; resolves with its result. */
  run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}
