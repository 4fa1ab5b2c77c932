// src/cli/demo-wait.ts: bounded waiting for the demo and the benchmarks. Every wait has a deadline
// and, when it runs out, an error that says in words what did not happen (and the last error seen).

/** A wait ran out of time, or was cancelled (Ctrl-C); the message says what was awaited. */
export class DemoWaitError extends Error {
  override readonly name = 'DemoWaitError';
  constructor(
    message: string,
    readonly cancelled: boolean,
  ) {
    super(message);
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** Between two checks; default 100 ms. */
  intervalMs?: number;
  /** Cancels the wait (the demo's Ctrl-C). */
  signal?: AbortSignal;
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DemoWaitError('interrupted', true));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DemoWaitError('interrupted', true));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `check` until it returns something other than undefined or false, and resolves with it.
 * A check that throws counts as "not yet" (a node still starting answers with errors); the last
 * such error is quoted when the deadline passes.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new DemoWaitError(`interrupted while waiting for ${what}`, true);
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const last =
        lastError === undefined ? '' : ` (last error: ${(lastError as Error).message ?? String(lastError)})`;
      throw new DemoWaitError(
        `timed out after ${(options.timeoutMs / 1000).toFixed(0)} s: ${what} did not happen${last}`,
        false,
      );
    }
    try {
      await sleep(options.intervalMs ?? 100, options.signal);
    } catch {
      throw new DemoWaitError(`interrupted while waiting for ${what}`, true);
    }
  }
}

/** Rejects with a DemoWaitError naming `what` if `p` does not settle within `timeoutMs`. */
export function withTimeout<T>(what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new DemoWaitError(
            `timed out after ${(timeoutMs / 1000).toFixed(0)} s: ${what} did not happen`,
            false,
          ),
        ),
      timeoutMs,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
