// src/chain/devnet/esplora-json.ts: devnet objects in the JSON shapes of Esplora's API.md.
import { bytesToHex } from '../../crypto/index.js';
import { scriptToAddress } from '../address.js';
import { hashToHex } from '../ids.js';
import { inputOutpoint, isCoinbase, txWeight } from '../tx.js';
import type { Devnet, TxLocation } from './devnet.js';
import { DEVNET_NETWORK } from './devnet.js';

/** What Bitcoin Core reports as the difficulty of bits 0x207fffff. */
const REGTEST_DIFFICULTY = 4.656542373906925e-10;

/** The targets Esplora documents for /fee-estimates. */
export const ESPLORA_FEE_TARGETS = [1, 2, 3, 4, 5, 6, 10, 20, 25, 144, 504, 1008];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function statusJson(loc: TxLocation): Json {
  return loc.confirmed
    ? {
        confirmed: true,
        block_height: loc.height,
        block_hash: hashToHex(loc.blockHash),
        block_time: loc.blockTime,
      }
    : { confirmed: false };
}

function scriptType(script: Uint8Array): string {
  if (script.length === 22 && script[0] === 0 && script[1] === 0x14) return 'v0_p2wpkh';
  if (script.length === 34 && script[0] === 0 && script[1] === 0x20) return 'v0_p2wsh';
  if (script.length === 34 && script[0] === 0x51 && script[1] === 0x20) return 'v1_p2tr';
  if (script.length === 25 && script[0] === 0x76) return 'p2pkh';
  if (script.length === 23 && script[0] === 0xa9) return 'p2sh';
  if (script[0] === 0x6a) return 'op_return';
  return 'unknown';
}

function outputJson(script: Uint8Array, valueSat: bigint): { [k: string]: Json } {
  const address = scriptToAddress(script, DEVNET_NETWORK);
  return {
    scriptpubkey: bytesToHex(script),
    scriptpubkey_type: scriptType(script),
    ...(address !== undefined ? { scriptpubkey_address: address } : {}),
    value: Number(valueSat),
  };
}

/** Esplora's transaction format (without the *_asm fields). */
export function txJson(devnet: Devnet, loc: TxLocation): Json {
  const { tx, txid, raw } = loc.ptx;
  const coinbase = isCoinbase(tx);
  let inSum = 0n;
  const vin = tx.inputs.map((inp, i) => {
    const op = inputOutpoint(tx, i);
    const prev = coinbase ? undefined : devnet.getTx(op.txid)?.ptx.tx.outputs[op.vout];
    if (prev !== undefined) inSum += prev.amount;
    return {
      txid: hashToHex(op.txid),
      vout: op.vout,
      prevout: prev === undefined ? null : outputJson(prev.script, prev.amount),
      scriptsig: bytesToHex(inp.finalScriptSig),
      witness: (tx.witnesses?.[i] ?? []).map((w) => bytesToHex(w)),
      is_coinbase: coinbase,
      sequence: inp.sequence,
    };
  });
  const outSum = tx.outputs.reduce((s, o) => s + o.amount, 0n);
  return {
    txid: hashToHex(txid),
    version: tx.version,
    locktime: tx.lockTime,
    vin,
    vout: tx.outputs.map((o) => outputJson(o.script, o.amount)),
    size: raw.length,
    weight: txWeight(tx),
    fee: coinbase ? 0 : Number(inSum - outSum),
    status: statusJson(loc),
  };
}

/** Esplora's block format. */
export function blockJson(devnet: Devnet, hash: Uint8Array): Json | undefined {
  const b = devnet.block(hash);
  if (b === undefined) return undefined;
  const prev = devnet.blockHashAt(b.height - 1);
  return {
    id: b.hashHex,
    height: b.height,
    version: b.header.version,
    timestamp: b.header.time,
    tx_count: b.txs.length,
    size: b.raw.length,
    weight:
      b.txs.reduce((w, t) => w + txWeight(t.tx), 0) +
      4 * (b.raw.length - b.txs.reduce((n, t) => n + t.raw.length, 0)),
    merkle_root: hashToHex(b.header.merkleRoot),
    previousblockhash: prev === undefined ? null : hashToHex(prev),
    mediantime: devnet.medianTimePast(b.height),
    nonce: b.header.nonce,
    bits: b.header.bits,
    difficulty: REGTEST_DIFFICULTY,
  };
}
