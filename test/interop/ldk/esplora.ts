// test/interop/ldk/esplora.ts: the few Esplora (and devnet) HTTP calls the LDK node makes. Its own
// tiny client on purpose: the LDK node must see the chain independently of ksnode's chain code.
import { hexToBytes } from '../../../src/crypto/index.js';

export class EsploraError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class Esplora {
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 10_000) {
    this.baseUrl = baseUrl;
    this.#timeoutMs = timeoutMs;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: string, json = false): Promise<string> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body, headers: { 'content-type': json ? 'application/json' : 'text/plain' } }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new EsploraError(res.status, `${method} ${path}: ${res.status} ${text.trim()}`);
    return text.trim();
  }

  async tipHeight(): Promise<number> {
    const text = await this.#request('GET', '/blocks/tip/height');
    if (!/^\d+$/.test(text)) throw new EsploraError(200, `GET /blocks/tip/height: not a height: ${text}`);
    return Number(text);
  }

  /** Display-order hex hash of the best-chain block at `height`. */
  blockHashAt(height: number): Promise<string> {
    return this.#request('GET', `/block-height/${height}`);
  }

  /** The 80-byte block header. */
  async blockHeader(hashHex: string): Promise<Uint8Array> {
    return hexToBytes(await this.#request('GET', `/block/${hashHex}/header`));
  }

  /** Display-order txids of a block, in block order. */
  async blockTxids(hashHex: string): Promise<string[]> {
    const list: unknown = JSON.parse(await this.#request('GET', `/block/${hashHex}/txids`));
    if (!Array.isArray(list) || !list.every((t) => typeof t === 'string'))
      throw new EsploraError(200, `GET /block/${hashHex}/txids: not a list of txids`);
    return list as string[];
  }

  async txRaw(txidHex: string): Promise<Uint8Array> {
    return hexToBytes(await this.#request('GET', `/tx/${txidHex}/hex`));
  }

  /** Submits a raw transaction; resolves with its txid (display hex). */
  broadcast(rawHex: string): Promise<string> {
    return this.#request('POST', '/tx', rawHex);
  }

  /** devnet only: pays `amountSat` to `address` from the faucet (mined into a block). */
  async faucet(address: string, amountSat: bigint): Promise<string> {
    const text = await this.#request(
      'POST',
      '/devnet/faucet',
      JSON.stringify({ address, amountSat: amountSat.toString() }),
      true,
    );
    const reply = JSON.parse(text) as { txid?: unknown };
    if (typeof reply.txid !== 'string')
      throw new EsploraError(200, `POST /devnet/faucet: no txid in ${text}`);
    return reply.txid;
  }
}
