// src/routing/heap.ts: a binary min-heap of (key, value) pairs in typed arrays, for Dijkstra.
// Entries are never updated in place: a better key is pushed again and the stale one is skipped by
// the caller when popped (cheaper than tracking positions for the few stale entries a search makes).

export class MinHeap {
  private keys = new Float64Array(1024);
  private values = new Int32Array(1024);
  private n = 0;

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  push(key: number, value: number): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(this.n * 2);
      k.set(this.keys);
      this.keys = k;
      const v = new Int32Array(this.n * 2);
      v.set(this.values);
      this.values = v;
    }
    const keys = this.keys;
    const values = this.values;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent] as number;
      if (pk <= key) break;
      keys[i] = pk;
      values[i] = values[parent] as number;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** The smallest key; undefined when empty. */
  peekKey(): number | undefined {
    return this.n === 0 ? undefined : this.keys[0];
  }

  /** Removes the entry with the smallest key and returns its value (-1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const keys = this.keys;
    const values = this.values;
    const top = values[0] as number;
    const n = --this.n;
    if (n > 0) {
      const key = keys[n] as number;
      const value = values[n] as number;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n && (keys[r] as number) < (keys[c] as number)) c = r;
        const ck = keys[c] as number;
        if (ck >= key) break;
        keys[i] = ck;
        values[i] = values[c] as number;
        i = c;
      }
      keys[i] = key;
      values[i] = value;
    }
    return top;
  }
}
