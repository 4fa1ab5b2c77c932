// test/interop/ldk/rpc-params.ts: typed access to an RPC request's params; a bad or missing
// param is an RpcError naming it, which the node answers as { ok: false, error }.
import { hexToBytes } from '../../../src/crypto/index.js';
import type { Json } from './protocol.js';

export class RpcError extends Error {}

export class Params {
  readonly #p: Record<string, Json>;

  constructor(p: Record<string, Json> | undefined) {
    this.#p = p ?? {};
  }

  #get(name: string): Json | undefined {
    return this.#p[name];
  }

  has(name: string): boolean {
    return this.#get(name) !== undefined && this.#get(name) !== null;
  }

  bytes(name: string, length?: number): Uint8Array {
    const v = this.#get(name);
    if (
      typeof v !== 'string' ||
      !/^([0-9a-fA-F]{2})*$/.test(v) ||
      (length !== undefined && v.length !== 2 * length)
    )
      throw new RpcError(`"${name}" must be ${length === undefined ? '' : `${length} bytes of `}hex`);
    return hexToBytes(v);
  }

  optBytes(name: string, length?: number): Uint8Array | undefined {
    return this.has(name) ? this.bytes(name, length) : undefined;
  }

  string(name: string): string {
    const v = this.#get(name);
    if (typeof v !== 'string') throw new RpcError(`"${name}" must be a string`);
    return v;
  }

  optString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  /** A non-negative integer given as a decimal string (or a safe JSON number). */
  amount(name: string): bigint {
    const v = this.#get(name);
    if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    throw new RpcError(`"${name}" must be a non-negative integer (decimal string)`);
  }

  optAmount(name: string): bigint | undefined {
    return this.has(name) ? this.amount(name) : undefined;
  }

  int(name: string, fallback?: number): number {
    const v = this.#get(name) ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new RpcError(`"${name}" must be a non-negative integer`);
    return v;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.#get(name) ?? fallback;
    if (typeof v !== 'boolean') throw new RpcError(`"${name}" must be true or false`);
    return v;
  }

  /** An object of string keys (e.g. decimal TLV types) to hex values. */
  hexMap(name: string): Map<string, Uint8Array> {
    const v = this.#get(name);
    const out = new Map<string, Uint8Array>();
    if (v === undefined || v === null) return out;
    if (typeof v !== 'object' || Array.isArray(v)) throw new RpcError(`"${name}" must be an object`);
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(x))
        throw new RpcError(`"${name}.${k}" must be hex`);
      out.set(k, hexToBytes(x));
    }
    return out;
  }

  /** An array of objects, each read through its own Params. */
  list(name: string): Params[] {
    const v = this.#get(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new RpcError(`"${name}" must be an array`);
    return v.map((x, i) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x))
        throw new RpcError(`"${name}[${i}]" must be an object`);
      return new Params(x);
    });
  }

  /** An array of arrays of objects (route hints: a list of hops per hint). */
  listOfLists(name: string): Params[][] {
    const v = this.#get(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new RpcError(`"${name}" must be an array of arrays`);
    return v.map((inner, i) => new Params({ [`${name}[${i}]`]: inner }).list(`${name}[${i}]`));
  }

  /** The raw JSON value (for matching event fields). */
  json(name: string): Json | undefined {
    return this.#get(name);
  }
}
