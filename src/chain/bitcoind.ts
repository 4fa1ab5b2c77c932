// src/chain/bitcoind.ts: a ChainBackend over Bitcoin Core's JSON-RPC (polling blocks by height).
// Calls and answers follow Bitcoin Core's RPC documentation: getblockcount, getblockhash,
// getblock (verbosity 0 and 1), getblockheader, sendrawtransaction, estimatesmartfee.
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import { ChainBackendError, ChainDataError } from './errors.js';
import { btcPerKvbToSatPerKw } from './fees.js';
import { httpRequest } from './http-client.js';
import { hashFromHex, hashToHex } from './ids.js';
import type { BlockId, BroadcastResult, ChainBackend, FeeEstimates } from './types.js';

export interface BitcoindOptions {
  /** e.g. `http://127.0.0.1:18443` */
  url: string;
  /** rpcuser/rpcpassword, or the two halves of the `.cookie` file. */
  username: string;
  password: string;
  timeoutMs?: number;
  /** Targets asked of `estimatesmartfee`. Default [1, 2, 3, 6, 12, 24, 144, 1008]. */
  feeTargets?: number[];
}

/** An error object from the RPC (`{"code": -5, "message": "Block not found"}`). */
export class BitcoindRpcError extends Error {
  override name = 'BitcoindRpcError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`bitcoind RPC error ${code}: ${message}`);
  }
}

// Bitcoin Core's RPC error codes (src/rpc/protocol.h) that we answer differently.
const RPC_INVALID_ADDRESS_OR_KEY = -5; // "Block not found"
const RPC_INVALID_PARAMETER = -8; // "Block height out of range"

/** A block summary from `getblock <hash> 1`. */
export interface BitcoindBlockInfo {
  hash: Uint8Array;
  height: number;
  confirmations: number;
  previousBlockHash: Uint8Array | undefined;
  txids: Uint8Array[];
  time: number;
}

export class BitcoindClient implements ChainBackend {
  readonly name = 'bitcoind';
  private nextId = 0;
  private readonly auth: string;

  constructor(private readonly opts: BitcoindOptions) {
    this.auth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  }

  async getTip(): Promise<BlockId> {
    const height = await this.call<number>('getblockcount', []);
    const hash = await this.getBlockHash(height);
    if (hash === undefined) return this.getTip(); // a reorg shortened the chain between the calls
    return { height, hash };
  }

  async getBlockHash(height: number): Promise<Uint8Array | undefined> {
    const hex = await this.callOr<string>('getblockhash', [height], RPC_INVALID_PARAMETER);
    return hex === undefined ? undefined : this.hash(hex);
  }

  async getBlockHeader(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const hex = await this.callOr<string>(
      'getblockheader',
      [hashToHex(hash), false],
      RPC_INVALID_ADDRESS_OR_KEY,
    );
    return hex === undefined ? undefined : this.bytes(hex);
  }

  async getBlock(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const hex = await this.callOr<string>('getblock', [hashToHex(hash), 0], RPC_INVALID_ADDRESS_OR_KEY);
    return hex === undefined ? undefined : this.bytes(hex);
  }

  /** `getblock <hash> 1`: height, confirmations (-1 off the best chain) and txids. */
  async getBlockInfo(hash: Uint8Array): Promise<BitcoindBlockInfo | undefined> {
    const j = await this.callOr<Record<string, unknown>>(
      'getblock',
      [hashToHex(hash), 1],
      RPC_INVALID_ADDRESS_OR_KEY,
    );
    if (j === undefined) return undefined;
    if (!Array.isArray(j.tx)) throw new ChainDataError('bitcoind: getblock verbosity 1 has no tx array');
    return {
      hash: this.hash(String(j.hash)),
      height: Number(j.height),
      confirmations: Number(j.confirmations),
      previousBlockHash:
        j.previousblockhash === undefined ? undefined : this.hash(String(j.previousblockhash)),
      txids: j.tx.map((t) => this.hash(String(t))),
      time: Number(j.time),
    };
  }

  async broadcast(rawTx: Uint8Array): Promise<BroadcastResult> {
    try {
      const txid = await this.call<string>('sendrawtransaction', [bytesToHex(rawTx)]);
      return { ok: true, txid: this.hash(txid) };
    } catch (e) {
      // -25 (inputs missing or spent), -26 (policy or consensus), -27 (already confirmed), and
      // anything else the node refuses: the transaction itself was judged.
      if (e instanceof BitcoindRpcError) return { ok: false, code: 'rejected', reason: e.message };
      if (e instanceof ChainBackendError) return { ok: false, code: 'unavailable', reason: e.message };
      throw e;
    }
  }

  /**
   * `estimatesmartfee` for each target. Its `feerate` is BTC per 1000 vbytes; a node without
   * enough data answers `{"errors": [...], "blocks": n}` instead, and that target is skipped.
   */
  async getFeeEstimates(): Promise<FeeEstimates> {
    const out = new Map<number, bigint>();
    for (const target of this.opts.feeTargets ?? [1, 2, 3, 6, 12, 24, 144, 1008]) {
      const r = await this.call<{ feerate?: number; errors?: string[]; blocks?: number }>(
        'estimatesmartfee',
        [target],
      );
      if (typeof r.feerate === 'number' && r.feerate > 0) out.set(target, btcPerKvbToSatPerKw(r.feerate));
    }
    return out;
  }

  // ---------- JSON-RPC ----------

  /** One call; RPC errors throw `BitcoindRpcError`, transport problems `ChainBackendError`. */
  async call<T>(method: string, params: unknown[]): Promise<T> {
    const id = ++this.nextId;
    const res = await httpRequest(this.name, this.opts.url, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '1.0', id, method, params }),
      headers: { 'content-type': 'application/json', authorization: this.auth },
      timeoutMs: this.opts.timeoutMs ?? 30_000,
    });
    if (res.status === 401 || res.status === 403) {
      throw new ChainBackendError(
        this.name,
        `authentication failed (HTTP ${res.status}): check rpcuser/rpcpassword or the cookie`,
        res.status,
      );
    }
    // Bitcoin Core answers RPC errors with HTTP 500 (404 for an unknown method) and a JSON body.
    let body: { result?: unknown; error?: { code?: number; message?: string } | null };
    try {
      body = JSON.parse(res.text());
    } catch {
      throw new ChainBackendError(
        this.name,
        `${method}: HTTP ${res.status} without a JSON-RPC body`,
        res.status,
      );
    }
    if (body.error !== null && body.error !== undefined) {
      throw new BitcoindRpcError(Number(body.error.code), String(body.error.message));
    }
    if (res.status !== 200)
      throw new ChainBackendError(this.name, `${method}: HTTP ${res.status}`, res.status);
    return body.result as T;
  }

  private async callOr<T>(method: string, params: unknown[], notFoundCode: number): Promise<T | undefined> {
    try {
      return await this.call<T>(method, params);
    } catch (e) {
      if (e instanceof BitcoindRpcError && e.code === notFoundCode) return undefined;
      throw e;
    }
  }

  private hash(hex: string): Uint8Array {
    try {
      return hashFromHex(hex);
    } catch {
      throw new ChainDataError(
        `bitcoind: expected a 32-byte hash, got ${JSON.stringify(String(hex).slice(0, 70))}`,
      );
    }
  }

  private bytes(hex: string): Uint8Array {
    try {
      return hexToBytes(hex);
    } catch {
      throw new ChainDataError('bitcoind: expected hex');
    }
  }
}
