// src/chain/devnet/backend.ts: an in-process Devnet as a ChainBackend (no HTTP in between).
import type { BlockId, BroadcastResult, ChainBackend, FeeEstimates } from '../types.js';
import type { Devnet } from './devnet.js';
import { ESPLORA_FEE_TARGETS } from './esplora-json.js';

export class DevnetBackend implements ChainBackend {
  readonly name = 'devnet';

  constructor(readonly devnet: Devnet) {}

  async getTip(): Promise<BlockId> {
    return { height: this.devnet.tipHeight, hash: this.devnet.tipHash };
  }

  async getBlockHash(height: number): Promise<Uint8Array | undefined> {
    return this.devnet.blockHashAt(height);
  }

  async getBlockHeader(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.devnet.block(hash)?.headerBytes;
  }

  async getBlock(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.devnet.block(hash)?.raw;
  }

  async broadcast(rawTx: Uint8Array): Promise<BroadcastResult> {
    const r = this.devnet.submitTx(rawTx);
    return r.ok ? r : { ok: false, code: 'rejected', reason: r.message };
  }

  async getFeeEstimates(): Promise<FeeEstimates> {
    return new Map(ESPLORA_FEE_TARGETS.map((t) => [t, this.devnet.feeRateSatPerKw]));
  }
}
