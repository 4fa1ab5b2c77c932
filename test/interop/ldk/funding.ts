// test/interop/ldk/funding.ts: the LDK node's on-chain wallet, just enough to fund channels. A key
// derived from the node's seed takes a coin from the devnet faucet and spends it to the channel's
// funding output (with change back to itself); built and signed with @scure/btc-signer, so the
// devnet sees an ordinary transaction.
import { p2wpkh, Transaction } from '@scure/btc-signer';
import { equalBytes, publicKeyCreate, sha256 } from '../../../src/crypto/index.js';
import type { Esplora } from './esplora.js';

const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };
/** What the faucet sends beyond the channel value; what the fee leaves of it comes back as change. */
const FUNDING_MARGIN_SAT = 10_000n;
/** Below this, change is dust to bitcoind's relay rules: give it to the miner instead. */
const DUST_SAT = 546n;

export class FundingWallet {
  readonly address: string;
  readonly #privateKey: Uint8Array;
  readonly #script: Uint8Array;
  readonly #feeRateSatPerKw: bigint;

  constructor(seed: Uint8Array, feeRateSatPerKw = 1000n) {
    // A key of its own, separate from LDK's keys (which never spend these coins).
    this.#privateKey = sha256(seed, new TextEncoder().encode('ldk-harness funding key'));
    const payment = p2wpkh(publicKeyCreate(this.#privateKey), REGTEST);
    this.address = payment.address!;
    this.#script = payment.script;
    this.#feeRateSatPerKw = feeRateSatPerKw;
  }

  /**
   * A signed transaction paying `valueSat` to `outputScript` (output 0) from a fresh faucet coin.
   * Not broadcast: LDK does that once the peer has signed its first commitment.
   */
  async fundingTransaction(
    esplora: Esplora,
    outputScript: Uint8Array,
    valueSat: bigint,
  ): Promise<Uint8Array> {
    const coinValue = valueSat + FUNDING_MARGIN_SAT;
    const faucetTxid = await esplora.faucet(this.address, coinValue);
    const faucetTx = Transaction.fromRaw(await esplora.txRaw(faucetTxid), { allowUnknownOutputs: true });
    let vout = -1;
    for (let i = 0; i < faucetTx.outputsLength; i++) {
      const out = faucetTx.getOutput(i);
      if (out.script !== undefined && equalBytes(out.script, this.#script) && out.amount === coinValue)
        vout = i;
    }
    if (vout < 0) throw new Error(`faucet transaction ${faucetTxid} does not pay ${coinValue} sat to us`);

    const build = (feeSat: bigint): Transaction => {
      const tx = new Transaction({ version: 2, allowUnknownOutputs: true });
      tx.addInput({
        txid: faucetTxid,
        index: vout,
        witnessUtxo: { script: this.#script, amount: coinValue },
      });
      tx.addOutput({ script: outputScript, amount: valueSat });
      const change = coinValue - valueSat - feeSat;
      if (change >= DUST_SAT) tx.addOutput({ script: this.#script, amount: change });
      tx.signIdx(this.#privateKey, 0);
      tx.finalizeIdx(0);
      return tx;
    };
    // Sign once to learn the weight, then again with the fee for it.
    const draft = build(0n);
    const feeSat = (BigInt(draft.weight) * this.#feeRateSatPerKw + 999n) / 1000n;
    return build(feeSat).extract();
  }
}
