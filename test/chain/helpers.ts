// Test helpers for the chain tests: keys, P2WPKH spends, faucet coins.
import { Transaction } from '@scure/btc-signer';
import type { Devnet } from '../../src/chain/devnet/index.js';
import { hashToHex, p2wpkhScript, parseTx, signP2wpkhInput } from '../../src/chain/index.js';
import { equalBytes, publicKeyCreate, sha256 } from '../../src/crypto/index.js';

export interface TestKey {
  priv: Uint8Array;
  pub: Uint8Array;
  script: Uint8Array;
}

export function testKey(n: number): TestKey {
  const priv = sha256(new TextEncoder().encode(`ksnode chain test key ${n}`));
  const pub = publicKeyCreate(priv);
  return { priv, pub, script: p2wpkhScript(pub) };
}

export interface TestCoin {
  txid: Uint8Array;
  vout: number;
  valueSat: bigint;
}

/** Pays `amountSat` from the faucet to `key` and returns that output. */
export function fund(devnet: Devnet, key: TestKey, amountSat: bigint, mine = true): TestCoin {
  const txid = devnet.faucet(key.script, amountSat, { mine });
  const tx = devnet.getTx(txid)!.ptx.tx;
  const vout = tx.outputs.findIndex((o) => equalBytes(o.script, key.script) && o.amount === amountSat);
  return { txid, vout, valueSat: amountSat };
}

export interface SpendOptions {
  lockTime?: number;
  version?: number;
  sequence?: number;
}

/** A signed spend of P2WPKH coins of `key` to the given outputs. */
export function spend(
  key: TestKey,
  coins: TestCoin[],
  outputs: { script: Uint8Array; amountSat: bigint }[],
  opts: SpendOptions = {},
): Uint8Array {
  const tx = new Transaction({
    version: opts.version ?? 2,
    lockTime: opts.lockTime ?? 0,
    allowUnknownOutputs: true,
  });
  for (const c of coins) {
    tx.addInput({
      txid: hashToHex(c.txid),
      index: c.vout,
      sequence: opts.sequence ?? 0xfffffffd,
      witnessUtxo: { script: key.script, amount: c.valueSat },
    });
  }
  for (const o of outputs) tx.addOutput({ script: o.script, amount: o.amountSat });
  coins.forEach((c, i) => {
    signP2wpkhInput(tx, i, c.valueSat, key.priv, key.pub);
  });
  return tx.toBytes(true, true);
}

export function txidOfRaw(raw: Uint8Array): Uint8Array {
  return parseTx(raw).txid;
}
