// src/channel/driver-sweep.ts: what of a closed channel's on-chain outputs is ours to sweep into the
// wallet, and how to spend each (pure). A mutual close pays the wallet directly; after a force
// close, our `to_remote` in the peer's commitment is ours at once (static_remotekey: a P2WPKH to our
// payment basepoint; with anchors a 1-block CSV), and our `to_local` in our own commitment after
// the peer's to_self_delay. HTLC outputs are not swept here (see the report of the node module).

import { p2wpkhScriptCode } from '../chain/index.js';
import { bytesToHex, equalBytes } from '../crypto/index.js';
import {
  deriveChannelKeys,
  derivePrivkey,
  p2wpkh,
  p2wsh,
  type Tx,
  toRemoteAnchorsScript,
} from '../tx/index.js';
import type { ExternalInput } from '../wallet/index.js';
import { signedLocalCommitment } from './force-close.js';
import type { ChannelState } from './types.js';

/** One output of a closing transaction that we can spend, once `csvDelay` confirmations passed. */
export interface SweepCandidate {
  /** `<txid hex>:<vout>`. */
  key: string;
  kind: 'to_local' | 'to_remote';
  valueSat: bigint;
  /** Confirmations the closing transaction needs before the output may be spent (BIP 68). */
  csvDelay: number;
  /** The wallet input that spends it, signed with the channel's keys. */
  input: ExternalInput;
}

/** Anything spendable by a P2WPKH or P2WSH witness: count, signature, items, script. */
const SIG_ITEM = 1 + 73;
const RBF_SEQUENCE = 0xfffffffd;

function candidateKey(txid: Uint8Array, vout: number): string {
  return `${bytesToHex(txid)}:${vout}`;
}

/**
 * Our outputs in the transaction that spent the funding output, and how to spend them. `closeTxid`
 * is its txid (internal byte order).
 */
export function sweepCandidates(state: ChannelState, closeTx: Tx, closeTxid: Uint8Array): SweepCandidate[] {
  const keys = deriveChannelKeys(state.channelSeed);
  const out: SweepCandidate[] = [];
  const base = state.local.paymentBasepoint;
  const staticRemote = p2wpkh(base);
  const anchorsScript = toRemoteAnchorsScript(base);
  const anchorsRemote = p2wsh(anchorsScript);
  closeTx.outputs.forEach((o, vout) => {
    const outpoint = { txid: closeTxid, vout };
    if (equalBytes(o.script, staticRemote)) {
      // BOLT 3: "Otherwise, this output is a simple P2WPKH to `remotepubkey`." and "The
      // `remotepubkey` is simply the remote node's `payment_basepoint`." (ours, in the peer's commitment)
      out.push({
        key: candidateKey(closeTxid, vout),
        kind: 'to_remote',
        valueSat: o.amountSat,
        csvDelay: 0,
        input: {
          kind: 'external',
          outpoint,
          valueSat: o.amountSat,
          prevoutScript: o.script,
          sequence: RBF_SEQUENCE,
          maxWitnessWeight: 1 + SIG_ITEM + 1 + 33,
          witness: (signer) => [signer.sign(p2wpkhScriptCode(base), keys.paymentBasepointSecret), base],
        },
      });
    } else if (equalBytes(o.script, anchorsRemote)) {
      out.push({
        key: candidateKey(closeTxid, vout),
        kind: 'to_remote',
        valueSat: o.amountSat,
        csvDelay: 1,
        input: {
          kind: 'external',
          outpoint,
          valueSat: o.amountSat,
          prevoutScript: o.script,
          // BOLT 3: "The output is spent by an input with `nSequence` field set to `1`"
          sequence: 1,
          maxWitnessWeight: 1 + SIG_ITEM + 1 + anchorsScript.length,
          witness: (signer) => [signer.sign(anchorsScript, keys.paymentBasepointSecret), anchorsScript],
        },
      });
    }
  });
  // Our own commitment: the to_local output, after the delay the peer imposed on us.
  if (state.localCommit !== undefined && state.remote !== undefined) {
    const ours = signedLocalCommitment(state);
    if (equalBytes(ours.txid, closeTxid)) {
      for (const s of ours.sweeps) {
        if (s.kind !== 'to_local') continue;
        const script = s.witnessScript;
        const privkey = derivePrivkey(keys.delayedPaymentBasepointSecret, s.perCommitmentPoint);
        out.push({
          key: candidateKey(closeTxid, s.outputIndex),
          kind: 'to_local',
          valueSat: s.amountSat,
          csvDelay: s.csvDelay,
          input: {
            kind: 'external',
            outpoint: { txid: closeTxid, vout: s.outputIndex },
            valueSat: s.amountSat,
            prevoutScript: p2wsh(script),
            // BOLT 3: "The output is spent by an input with `nSequence` field set to `to_self_delay`"
            sequence: s.csvDelay,
            maxWitnessWeight: 1 + SIG_ITEM + 1 + 1 + script.length,
            // BOLT 3: "<local_delayedsig> <>" (the delayed branch)
            witness: (signer) => [signer.sign(script, privkey), new Uint8Array(0), script],
          },
        });
      }
    }
  }
  return out;
}
