// src/chain/esplora.ts: a ChainBackend over the Esplora HTTP API (Blockstream's and mempool's
// esplora/electrs, and ksnode's own devnet). The API is documented in Blockstream/esplora API.md.
import { bytesToHex, hexToBytes, sha256 } from '../crypto/index.js';
import { ChainBackendError, ChainDataError } from './errors.js';
import { satPerVbyteToSatPerKw } from './fees.js';
import { httpRequest } from './http-client.js';
import { hashFromHex, hashToHex } from './ids.js';
import type { BlockId, BroadcastResult, ChainBackend, FeeEstimates, OutPoint } from './types.js';

export interface EsploraOptions {
  /** Base URL including any path prefix, e.g. `https://blockstream.info/api` or `http://127.0.0.1:3002`. */
  baseUrl: string;
  timeoutMs?: number;
}

/** Where a transaction stands (Esplora's `status` object). */
export type TxStatus =
  | { confirmed: false }
  | { confirmed: true; height: number; blockHash: Uint8Array; blockTime: number };

export interface EsploraUtxo {
  outpoint: OutPoint;
  valueSat: bigint;
  status: TxStatus;
}

export type Outspend =
  | { spent: false }
  | { spent: true; txid: Uint8Array; inputIndex: number; status: TxStatus };

/** Esplora's scripthash: sha256 of the output script, hex, *not* reversed (unlike Electrum's). */
export function esploraScripthash(script: Uint8Array): string {
  return bytesToHex(sha256(script));
}

export class EsploraClient implements ChainBackend {
  readonly name = 'esplora';
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(opts: EsploraOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Tip height, then the hash at that height, so the pair is consistent even if a block lands between. */
  async getTip(): Promise<BlockId> {
    const height = this.parseInt(await this.getText('/blocks/tip/height'), 'tip height');
    const hash = await this.getBlockHash(height);
    if (hash === undefined) return this.getTip(); // reorged below us between the two calls
    return { height, hash };
  }

  async getBlockHash(height: number): Promise<Uint8Array | undefined> {
    const text = await this.getTextOr404(`/block-height/${height}`);
    return text === undefined ? undefined : this.parseHash(text);
  }

  async getBlockHeader(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const text = await this.getTextOr404(`/block/${hashToHex(hash)}/header`);
    return text === undefined ? undefined : this.parseHex(text, 'header');
  }

  async getBlock(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const res = await this.get(`/block/${hashToHex(hash)}/raw`, true);
    return res?.body;
  }

  async getBlockTxids(hash: Uint8Array): Promise<Uint8Array[] | undefined> {
    const json = await this.getJson(`/block/${hashToHex(hash)}/txids`, true);
    if (json === undefined) return undefined;
    if (!Array.isArray(json)) throw new ChainDataError('esplora: /txids is not an array');
    return json.map((t) => this.parseHash(String(t)));
  }

  async broadcast(rawTx: Uint8Array): Promise<BroadcastResult> {
    const res = await httpRequest(this.name, `${this.base}/tx`, {
      method: 'POST',
      body: bytesToHex(rawTx),
      headers: { 'content-type': 'text/plain' },
      timeoutMs: this.timeoutMs,
    });
    if (res.status === 200) return { ok: true, txid: this.parseHash(res.text()) };
    if (res.status >= 400 && res.status < 500)
      return { ok: false, code: 'rejected', reason: res.text().trim() };
    return { ok: false, code: 'unavailable', reason: `HTTP ${res.status}: ${res.text().trim()}` };
  }

  /** `{ "<target>": <sat/vB>, ... }` -> sat/kw by target. */
  async getFeeEstimates(): Promise<FeeEstimates> {
    const json = await this.getJson('/fee-estimates');
    if (typeof json !== 'object' || json === null)
      throw new ChainDataError('esplora: /fee-estimates is not an object');
    const out = new Map<number, bigint>();
    for (const [k, v] of Object.entries(json)) {
      const target = Number(k);
      if (Number.isInteger(target) && target > 0 && typeof v === 'number' && v >= 0) {
        out.set(target, satPerVbyteToSatPerKw(v));
      }
    }
    return out;
  }

  async getTxHex(txid: Uint8Array): Promise<Uint8Array | undefined> {
    const text = await this.getTextOr404(`/tx/${hashToHex(txid)}/hex`);
    return text === undefined ? undefined : this.parseHex(text, 'transaction');
  }

  async getTxStatus(txid: Uint8Array): Promise<TxStatus | undefined> {
    const json = await this.getJson(`/tx/${hashToHex(txid)}/status`, true);
    return json === undefined ? undefined : this.parseStatus(json);
  }

  async getOutspend(outpoint: OutPoint): Promise<Outspend> {
    const json = (await this.getJson(`/tx/${hashToHex(outpoint.txid)}/outspend/${outpoint.vout}`)) as Record<
      string,
      unknown
    >;
    if (json?.spent !== true) return { spent: false };
    return {
      spent: true,
      txid: this.parseHash(String(json.txid)),
      inputIndex: Number(json.vin),
      status: this.parseStatus(json.status),
    };
  }

  /** Unspent outputs paying `script` (confirmed and in the mempool). */
  async getScriptUtxos(script: Uint8Array): Promise<EsploraUtxo[]> {
    const json = await this.getJson(`/scripthash/${esploraScripthash(script)}/utxo`);
    if (!Array.isArray(json)) throw new ChainDataError('esplora: /utxo is not an array');
    return json.map((u: Record<string, unknown>) => ({
      outpoint: { txid: this.parseHash(String(u.txid)), vout: Number(u.vout) },
      valueSat: BigInt(u.value as number),
      status: this.parseStatus(u.status),
    }));
  }

  /** Txids touching `script` (paying or spending it), newest first: mempool, then the first confirmed page. */
  async getScriptTxids(script: Uint8Array): Promise<{ txid: Uint8Array; status: TxStatus }[]> {
    const json = await this.getJson(`/scripthash/${esploraScripthash(script)}/txs`);
    if (!Array.isArray(json)) throw new ChainDataError('esplora: /txs is not an array');
    return json.map((t: Record<string, unknown>) => ({
      txid: this.parseHash(String(t.txid)),
      status: this.parseStatus(t.status),
    }));
  }

  // ---------- plumbing ----------

  private async get(path: string, allow404 = false) {
    const res = await httpRequest(this.name, this.base + path, { timeoutMs: this.timeoutMs });
    if (res.status === 404 && allow404) return undefined;
    if (res.status !== 200) {
      throw new ChainBackendError(
        this.name,
        `GET ${path}: HTTP ${res.status} ${res.text().slice(0, 200)}`,
        res.status,
      );
    }
    return res;
  }

  private async getText(path: string): Promise<string> {
    return (await this.get(path))!.text().trim();
  }

  private async getTextOr404(path: string): Promise<string | undefined> {
    return (await this.get(path, true))?.text().trim();
  }

  private async getJson(path: string, allow404 = false): Promise<unknown> {
    const text = allow404 ? await this.getTextOr404(path) : await this.getText(path);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ChainDataError(`esplora: GET ${path} did not return JSON`);
    }
  }

  private parseInt(text: string, what: string): number {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0)
      throw new ChainDataError(`esplora: bad ${what} ${JSON.stringify(text.slice(0, 40))}`);
    return n;
  }

  private parseHash(text: string): Uint8Array {
    try {
      return hashFromHex(text.trim());
    } catch {
      throw new ChainDataError(`esplora: expected a 32-byte hash, got ${JSON.stringify(text.slice(0, 70))}`);
    }
  }

  private parseHex(text: string, what: string): Uint8Array {
    try {
      return hexToBytes(text.trim());
    } catch {
      throw new ChainDataError(`esplora: ${what} is not hex`);
    }
  }

  private parseStatus(json: unknown): TxStatus {
    const s = json as Record<string, unknown> | undefined;
    if (s?.confirmed !== true) return { confirmed: false };
    return {
      confirmed: true,
      height: Number(s.block_height),
      blockHash: this.parseHash(String(s.block_hash)),
      blockTime: Number(s.block_time),
    };
  }
}
