// src/invoices/subscription.ts: a stream of settled invoices in settle order that first replays
// from the store (after the subscriber's last seen settle index), then follows live settles, so
// an app that reconnects with its last index misses nothing and sees nothing twice.

/** Loads invoices settled after `settleIndex`, in settle order, at most `limit`. */
export type SettledLoader<T extends { settleIndex: number | null }> = (
  settleIndex: number,
  limit: number,
) => Promise<T[]>;

const PAGE = 100;

/**
 * An async iterator of settled invoices. Live settles only wake it: every item comes from the
 * store, read after the last index delivered, so ordering and gaps cannot go wrong even when
 * settles commit while a page is being read.
 */
export class SettledInvoiceStream<T extends { settleIndex: number | null }>
  implements AsyncIterableIterator<T>
{
  #cursor: number;
  #buffer: T[] = [];
  #stale = true;
  #closed = false;
  #wake: (() => void) | undefined;
  #pending: Promise<IteratorResult<T>> = Promise.resolve({ done: true, value: undefined });
  readonly #load: SettledLoader<T>;
  readonly #onClose: () => void;

  constructor(fromSettleIndex: number, load: SettledLoader<T>, onClose: () => void) {
    this.#cursor = fromSettleIndex;
    this.#load = load;
    this.#onClose = onClose;
  }

  /** The settle index of the last invoice delivered (or the starting index). */
  get lastSettleIndex(): number {
    return this.#cursor;
  }

  /** Called by the registry after a settle commits. */
  notify(): void {
    this.#stale = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  next(): Promise<IteratorResult<T>> {
    // One read at a time, even if a caller does not await between calls.
    this.#pending = this.#pending.then(
      () => this.#next(),
      () => this.#next(),
    );
    return this.#pending;
  }

  async #next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined };
      const item = this.#buffer.shift();
      if (item !== undefined) {
        this.#cursor = item.settleIndex ?? this.#cursor;
        return { done: false, value: item };
      }
      if (this.#stale) {
        this.#stale = false;
        const page = await this.#load(this.#cursor, PAGE);
        if (page.length > 0) {
          this.#buffer.push(...page);
          // There may be more after this page.
          this.#stale = true;
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Ends the stream: a pending `next` resolves as done. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    this.notify();
    this.#onClose();
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
