// src/chain/devnet/mining.ts: building a block on top of a tip (pure: time and contents are inputs).
import { RawTx } from '@scure/btc-signer/script.js';
import { concatBytes, sha256d } from '../../crypto/index.js';
import { checkProofOfWork, encodeBlock, encodeHeader, headerHash, merkleRoot } from '../block.js';
import { type ParsedTx, parseTx, wtxidOf } from '../tx.js';
import { DEVNET_BITS } from './params.js';

const WITNESS_RESERVED_VALUE = new Uint8Array(32);
/** BIP 141: the commitment output's script starts OP_RETURN, push 36, 0xaa21a9ed. */
const WITNESS_COMMITMENT_PREFIX = new Uint8Array([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]);
const VERSIONBITS_TOP = 0x20000000;

/** BIP 34 puts the height first in the coinbase scriptSig, as Bitcoin Core's `CScript() << height` does. */
export function bip34HeightPush(height: number): Uint8Array {
  if (height >= 1 && height <= 16) return new Uint8Array([0x50 + height]);
  const bytes: number[] = [];
  for (let n = height; n > 0; n = Math.floor(n / 256)) bytes.push(n % 256);
  if (bytes.length === 0 || (bytes[bytes.length - 1]! & 0x80) !== 0) bytes.push(0); // keep it positive
  return new Uint8Array([bytes.length, ...bytes]);
}

export interface BlockTemplate {
  height: number;
  prevBlockHash: Uint8Array;
  /** Unix seconds. */
  time: number;
  /** Who the subsidy and fees go to. */
  payoutScript: Uint8Array;
  subsidySat: bigint;
  /** Non-coinbase transactions in a valid order, and their total fee. */
  txs: readonly ParsedTx[];
  feesSat: bigint;
  /** Makes otherwise identical coinbases differ. */
  extraNonce: number;
}

export interface MinedBlock {
  hash: Uint8Array;
  header: Uint8Array;
  raw: Uint8Array;
  txs: ParsedTx[];
}

/**
 * A block with a BIP 34 coinbase and a BIP 141 witness commitment, ground until its hash meets
 * the regtest target (about two tries).
 */
export function mineBlock(t: BlockTemplate): MinedBlock {
  const wtxids = [new Uint8Array(32), ...t.txs.map((p) => wtxidOf(p.tx))];
  const commitment = sha256d(concatBytes(merkleRoot(wtxids), WITNESS_RESERVED_VALUE));
  const extra = new Uint8Array(4);
  new DataView(extra.buffer).setUint32(0, t.extraNonce >>> 0, true);
  const coinbaseRaw = RawTx.encode({
    version: 2,
    segwitFlag: true,
    inputs: [
      {
        txid: new Uint8Array(32),
        index: 0xffffffff,
        finalScriptSig: concatBytes(bip34HeightPush(t.height), new Uint8Array([4]), extra),
        sequence: 0xffffffff,
      },
    ],
    outputs: [
      { amount: t.subsidySat + t.feesSat, script: t.payoutScript },
      { amount: 0n, script: concatBytes(WITNESS_COMMITMENT_PREFIX, commitment) },
    ],
    witnesses: [[WITNESS_RESERVED_VALUE]],
    lockTime: 0,
  });
  const txs = [parseTx(coinbaseRaw), ...t.txs];
  const root = merkleRoot(txs.map((p) => p.txid));
  for (let nonce = 0; ; nonce++) {
    const header = encodeHeader({
      version: VERSIONBITS_TOP,
      prevBlockHash: t.prevBlockHash,
      merkleRoot: root,
      time: t.time,
      bits: DEVNET_BITS,
      nonce,
    });
    if (checkProofOfWork(header)) {
      return {
        hash: headerHash(header),
        header,
        raw: encodeBlock(
          header,
          txs.map((p) => p.raw),
        ),
        txs,
      };
    }
  }
}
