// src/chain/devnet/faucet.ts: the faucet's payment (pure: coins and key in, signed transaction out).
import { Transaction } from '@scure/btc-signer';
import { feeForWeight } from '../fees.js';
import { signP2wpkhInput } from '../p2wpkh.js';

export interface FaucetCoin {
  txidHex: string;
  vout: number;
  valueSat: bigint;
}

export interface FaucetRequest {
  coins: readonly FaucetCoin[];
  destination: Uint8Array;
  amountSat: bigint;
  feeRateSatPerKw: bigint;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  changeScript: Uint8Array;
}

// Weights for the fee: version+locktime+counts+segwit marker, a P2WPKH input, an output's value
// and script length (its script is added separately).
const TX_OVERHEAD_WEIGHT = 42;
const P2WPKH_INPUT_WEIGHT = 272;
const OUTPUT_FIXED_WEIGHT = 36;

/** A signed payment, largest coins first; undefined if the coins do not cover amount and fee. */
export function buildFaucetTx(r: FaucetRequest): Uint8Array | undefined {
  const coins = [...r.coins].sort((a, b) => (a.valueSat < b.valueSat ? 1 : a.valueSat > b.valueSat ? -1 : 0));
  const outputsWeight = OUTPUT_FIXED_WEIGHT * 2 + 4 * (r.destination.length + r.changeScript.length);
  const chosen: FaucetCoin[] = [];
  let total = 0n;
  for (const c of coins) {
    chosen.push(c);
    total += c.valueSat;
    const fee = feeForWeight(
      TX_OVERHEAD_WEIGHT + P2WPKH_INPUT_WEIGHT * chosen.length + outputsWeight,
      r.feeRateSatPerKw,
    );
    const change = total - r.amountSat - fee;
    if (change < 0n) continue;
    const tx = new Transaction({ version: 2, allowUnknownOutputs: true });
    for (const c2 of chosen) {
      tx.addInput({
        txid: c2.txidHex,
        index: c2.vout,
        sequence: 0xfffffffd,
        witnessUtxo: { script: r.changeScript, amount: c2.valueSat },
      });
    }
    tx.addOutput({ script: r.destination, amount: r.amountSat });
    // A change too small to be worth an output goes to the miner.
    if (change >= 1000n) tx.addOutput({ script: r.changeScript, amount: change });
    chosen.forEach((c2, i) => {
      signP2wpkhInput(tx, i, c2.valueSat, r.privateKey, r.publicKey);
    });
    return tx.toBytes(true, true);
  }
  return undefined;
}
