// A seeded PRNG and byte-level mutations for decoder fuzzing: every run with the same seed makes
// the same inputs, so a failure report (seed, iteration, hex) reproduces exactly.

/** sfc32: small, fast and well distributed; plenty for picking mutations. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

const INTERESTING_U16 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfffe, 0xffff];
const INTERESTING_U8 = [0, 1, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff];

/** One random change to `b`. */
export function mutateOnce(b: Uint8Array, rng: Prng): Uint8Array {
  const n = b.length;
  const at = rng.int(n + 1);
  switch (rng.int(10)) {
    case 0: {
      // flip one bit
      if (n === 0) return rng.bytes(1);
      const out = Uint8Array.from(b);
      const i = rng.int(n);
      out[i] = (out[i] ?? 0) ^ (1 << rng.int(8));
      return out;
    }
    case 1: {
      // overwrite one byte with a random or boundary value
      if (n === 0) return rng.bytes(1);
      const out = Uint8Array.from(b);
      out[rng.int(n)] =
        rng.int(2) === 0 ? rng.next() & 0xff : (INTERESTING_U8[rng.int(INTERESTING_U8.length)] ?? 0);
      return out;
    }
    case 2: {
      // overwrite a u16 (length and count fields) with a boundary value
      if (n < 2) return rng.bytes(2);
      const out = Uint8Array.from(b);
      const i = rng.int(n - 1);
      const v = INTERESTING_U16[rng.int(INTERESTING_U16.length)] ?? 0;
      out[i] = v >> 8;
      out[i + 1] = v & 0xff;
      return out;
    }
    case 3: {
      // insert 1..8 random bytes
      const ins = rng.bytes(1 + rng.int(8));
      return cat(b.subarray(0, at), ins, b.subarray(at));
    }
    case 4: {
      // delete 1..8 bytes
      const k = 1 + rng.int(8);
      return cat(b.subarray(0, at), b.subarray(at + k));
    }
    case 5:
      // truncate
      return b.slice(0, at);
    case 6:
      // extend with random bytes (e.g. a bogus TLV stream)
      return cat(b, rng.bytes(1 + rng.int(64)));
    case 7: {
      // duplicate a slice in place
      const k = 1 + rng.int(16);
      const piece = b.subarray(at, at + k);
      return cat(b.subarray(0, at), piece, b.subarray(at));
    }
    case 8: {
      // randomize a run of bytes
      if (n === 0) return rng.bytes(1);
      const out = Uint8Array.from(b);
      const i = rng.int(n);
      const k = Math.min(n - i, 1 + rng.int(8));
      out.set(rng.bytes(k), i);
      return out;
    }
    default: {
      // keep the message type, replace the tail with a random TLV-looking stream
      const head = b.slice(0, Math.min(n, 2 + rng.int(Math.max(1, n - 1))));
      const out: number[] = [...head];
      for (let r = rng.int(4); r >= 0; r--) {
        out.push(rng.int(2) === 0 ? rng.int(0x100) : (INTERESTING_U8[rng.int(INTERESTING_U8.length)] ?? 0));
        const len = rng.int(12);
        out.push(len, ...rng.bytes(len));
      }
      return Uint8Array.from(out);
    }
  }
}

/** 1 to 4 stacked mutations. */
export function mutate(b: Uint8Array, rng: Prng): Uint8Array {
  let out = b;
  for (let k = 1 + (rng.int(8) === 0 ? rng.int(4) : 0); k > 0; k--) out = mutateOnce(out, rng);
  return out;
}
