// src/transport/byte-queue.ts: a FIFO of received byte chunks from which exact-length pieces are
// taken, so that frames split across (or packed into) TCP reads cost one copy at most.

/** Accumulates chunks; `take(n)` returns the next n bytes. Chunks must not be mutated after `push`. */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0; // bytes of #chunks[0] already consumed
  #length = 0;

  /** Number of bytes buffered and not yet taken. */
  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /**
   * Removes and returns the next `n` bytes (a view into the pushed chunk when it holds them all,
   * a fresh copy otherwise). Asking for more than `length` is a bug and throws.
   */
  take(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0 || n > this.#length) {
      throw new RangeError(`ByteQueue.take: expected 0 <= n <= ${this.#length}, got ${n}`);
    }
    this.#length -= n;
    const first = this.#chunks[0];
    if (first === undefined) return new Uint8Array(0);
    if (first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0]!;
      const piece = chunk.subarray(this.#head, Math.min(chunk.length, this.#head + n - filled));
      out.set(piece, filled);
      filled += piece.length;
      this.#head += piece.length;
      if (this.#head === chunk.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }

  /** Removes and returns everything buffered. */
  takeAll(): Uint8Array {
    return this.take(this.#length);
  }
}
