// Property tests over random channel states: a commitment's outputs and fee add up to the funding
// amount (checked against a direct reading of BOLT 3), and every output can be spent, by every
// path BOLT 3 defines, with the witnesses we build, as judged by the script checker; broken
// variants of those spends (too early, wrong preimage, wrong key) are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256 } from '../../src/crypto/index.js';
import {
  ANCHOR_OUTPUT_SAT,
  anchorSweepWitness,
  anchorWitness,
  buildCommitmentTx,
  buildHtlcTxs,
  type CommitmentFormat,
  type CommitmentHtlc,
  type CommitmentParams,
  commitmentFeeSat,
  deriveChannelKeys,
  deriveCommitmentKeys,
  derivePrivkey,
  deriveRevocationPrivkey,
  encodeTx,
  encodeWitnessSignature,
  fundingScript,
  fundingWitness,
  htlcRemoteSighashType,
  htlcRevocationWitness,
  htlcSuccessWitness,
  htlcTimeoutWitness,
  isHtlcTrimmed,
  offeredHtlcPreimageWitness,
  p2wpkh,
  p2wpkhScriptCode,
  p2wsh,
  perCommitmentPoint,
  perCommitmentSecret,
  receivedHtlcTimeoutWitness,
  SIGHASH_ALL,
  signInput,
  type Tx,
  toLocalDelayedWitness,
  toLocalRevocationWitness,
  toRemoteAnchorsWitness,
  toRemoteP2wpkhWitness,
  txid,
  verifyWitnessInput,
  withWitnesses,
} from '../../src/tx/index.js';

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const stateArb = fc
  .record({
    format: fc.constantFrom<CommitmentFormat>('static_remotekey', 'anchors'),
    localSeed: bytes32,
    remoteSeed: bytes32,
    localIsFunder: fc.boolean(),
    fundingSat: fc.bigInt({ min: 20_000n, max: 16_777_215n }),
    localShare: fc.double({ min: 0, max: 1, noNaN: true }),
    feeratePerKw: fc.oneof(fc.constant(253), fc.integer({ min: 0, max: 50_000 })),
    dustLimitSat: fc.bigInt({ min: 354n, max: 3000n }),
    toSelfDelay: fc.integer({ min: 1, max: 2016 }),
    commitmentNumber: fc.integer({ min: 0, max: 1_000_000 }),
    htlcs: fc.array(
      fc.record({
        offered: fc.boolean(),
        amountMsat: fc.bigInt({ min: 1n, max: 2_000_000_000n }),
        preimage: bytes32,
        cltvExpiry: fc.integer({ min: 1, max: 499_999_999 }),
      }),
      { maxLength: 6 },
    ),
  })
  .filter((s) => s.htlcs.reduce((a, h) => a + h.amountMsat, 0n) <= s.fundingSat * 1000n);

type State = typeof stateArb extends fc.Arbitrary<infer T> ? T : never;

function setup(s: State) {
  const local = deriveChannelKeys(s.localSeed);
  const remote = deriveChannelKeys(s.remoteSeed);
  const secret = perCommitmentSecret(local.perCommitmentSeed, s.commitmentNumber);
  const point = perCommitmentPoint(secret);
  const inFlight = s.htlcs.reduce((a, h) => a + h.amountMsat, 0n);
  const rest = s.fundingSat * 1000n - inFlight;
  const toLocalMsat = (rest * BigInt(Math.round(s.localShare * 1e6))) / 1_000_000n;
  const htlcs: CommitmentHtlc[] = s.htlcs.map((h) => ({
    direction: h.offered ? 'offered' : 'received',
    amountMsat: h.amountMsat,
    paymentHash: sha256(h.preimage),
    cltvExpiry: h.cltvExpiry,
  }));
  const params: CommitmentParams = {
    format: s.format,
    fundingOutpoint: { txid: sha256(s.localSeed, s.remoteSeed), index: 1 },
    fundingAmountSat: s.fundingSat,
    localFundingPubkey: local.fundingPubkey,
    remoteFundingPubkey: remote.fundingPubkey,
    commitmentNumber: s.commitmentNumber,
    openerPaymentBasepoint: s.localIsFunder ? local.paymentBasepoint : remote.paymentBasepoint,
    accepterPaymentBasepoint: s.localIsFunder ? remote.paymentBasepoint : local.paymentBasepoint,
    localIsFunder: s.localIsFunder,
    toLocalMsat,
    toRemoteMsat: rest - toLocalMsat,
    feeratePerKw: s.feeratePerKw,
    dustLimitSat: s.dustLimitSat,
    toSelfDelay: s.toSelfDelay,
    keys: deriveCommitmentKeys(point, local, remote),
    htlcs,
  };
  const privkeys = {
    localDelayed: derivePrivkey(local.delayedPaymentBasepointSecret, point),
    localHtlc: derivePrivkey(local.htlcBasepointSecret, point),
    remoteHtlc: derivePrivkey(remote.htlcBasepointSecret, point),
    revocation: deriveRevocationPrivkey(remote.revocationBasepointSecret, secret),
    remotePayment: remote.paymentBasepointSecret,
    localFunding: local.fundingPrivkey,
    remoteFunding: remote.fundingPrivkey,
  };
  return { params, privkeys, preimages: s.htlcs.map((h) => h.preimage) };
}

/** BOLT 3's construction read directly, in msat, as an oracle for the fee. */
function expectedFeeSat(p: CommitmentParams): bigint {
  const anchors = p.format === 'anchors';
  const untrimmed = p.htlcs.filter(
    (h) => !isHtlcTrimmed(p.format, h.direction === 'offered', h.amountMsat, p.feeratePerKw, p.dustLimitSat),
  );
  const cost = (commitmentFeeSat(p.format, p.feeratePerKw, untrimmed.length) + (anchors ? 660n : 0n)) * 1000n;
  const funder = p.localIsFunder ? p.toLocalMsat : p.toRemoteMsat;
  const other = p.localIsFunder ? p.toRemoteMsat : p.toLocalMsat;
  const funderSat = (funder >= cost ? funder - cost : 0n) / 1000n;
  const otherSat = other / 1000n;
  const kept = (x: bigint) => (x >= p.dustLimitSat ? x : 0n);
  const [localSat, remoteSat] = p.localIsFunder
    ? [kept(funderSat), kept(otherSat)]
    : [kept(otherSat), kept(funderSat)];
  const htlcSat = untrimmed.reduce((a, h) => a + h.amountMsat / 1000n, 0n);
  let anchorCount = 0n;
  if (anchors && (localSat > 0n || untrimmed.length > 0)) anchorCount++;
  if (anchors && (remoteSat > 0n || untrimmed.length > 0)) anchorCount++;
  return p.fundingAmountSat - localSat - remoteSat - htlcSat - anchorCount * ANCHOR_OUTPUT_SAT;
}

function spendOf(prevTx: Tx, index: number, sequence: number, lockTime = 0): Tx {
  return {
    version: 2,
    lockTime,
    inputs: [{ prevout: { txid: txid(prevTx), index }, sequence, scriptSig: new Uint8Array(0), witness: [] }],
    outputs: [
      {
        amountSat: prevTx.outputs[index]!.amountSat,
        script: p2wpkh(perCommitmentPoint(new Uint8Array(32).fill(9))),
      },
    ],
  };
}

function sign(
  tx: Tx,
  scriptCode: Uint8Array,
  amountSat: bigint,
  priv: Uint8Array,
  type = SIGHASH_ALL,
): Uint8Array {
  return encodeWitnessSignature(signInput(tx, 0, scriptCode, amountSat, priv, type), type);
}

/** Checks input 0 of `tx`, spending `prevTx`'s output it points at, with `witness`. */
function check(prevTx: Tx, tx: Tx, witness: Uint8Array[]): boolean {
  const prev = prevTx.outputs[tx.inputs[0]!.prevout.index]!;
  const r = verifyWitnessInput(encodeTx(withWitnesses(tx, [witness])), 0, prev.script, prev.amountSat);
  return r.ok;
}

test('property: outputs plus fee equal the funding amount', () => {
  fc.assert(
    fc.property(stateArb, (s) => {
      const { params } = setup(s);
      const c = buildCommitmentTx(params);
      const total = c.tx.outputs.reduce((a, o) => a + o.amountSat, 0n);
      assert.equal(total + c.feeSat, params.fundingAmountSat);
      assert.equal(c.feeSat, expectedFeeSat(params));
      assert.ok(
        c.tx.outputs.every((o) => o.amountSat >= params.dustLimitSat || o.amountSat === ANCHOR_OUTPUT_SAT),
      );
      // Outputs are in BIP 69 order.
      for (let i = 1; i < c.tx.outputs.length; i++)
        assert.ok(c.tx.outputs[i - 1]!.amountSat <= c.tx.outputs[i]!.amountSat);
    }),
    { numRuns: 200 },
  );
});

test('property: every output is spendable by each of its paths, and broken spends are refused', () => {
  fc.assert(
    fc.property(stateArb, (s) => {
      const { params, privkeys, preimages } = setup(s);
      const anchors = params.format === 'anchors';
      const c = buildCommitmentTx(params);
      const fundingWs = fundingScript(params.localFundingPubkey, params.remoteFundingPubkey);
      const fundingPrev: Tx = {
        version: 2,
        lockTime: 0,
        inputs: [],
        outputs: [
          { amountSat: 0n, script: new Uint8Array(0) },
          { amountSat: params.fundingAmountSat, script: p2wsh(fundingWs) },
        ],
      };
      // The commitment itself spends the funding output (fundingPrev stands in for the funding tx).
      const commitment = {
        ...c.tx,
        inputs: [{ ...c.tx.inputs[0]!, prevout: { txid: txid(fundingPrev), index: 1 } }],
      };
      const ls = sign(commitment, fundingWs, params.fundingAmountSat, privkeys.localFunding);
      const rs = sign(commitment, fundingWs, params.fundingAmountSat, privkeys.remoteFunding);
      assert.ok(
        check(
          fundingPrev,
          commitment,
          fundingWitness(params.localFundingPubkey, ls, params.remoteFundingPubkey, rs, fundingWs),
        ),
      );
      assert.ok(
        !check(
          fundingPrev,
          commitment,
          fundingWitness(params.localFundingPubkey, rs, params.remoteFundingPubkey, ls, fundingWs),
        ),
      );

      const tx = c.tx;
      const htlcTxs = buildHtlcTxs(c, params);
      c.outputs.forEach((info, i) => {
        const amount = tx.outputs[i]!.amountSat;
        if (info.kind === 'to_local') {
          const ws = info.witnessScript;
          const delayed = spendOf(tx, i, params.toSelfDelay);
          assert.ok(
            check(tx, delayed, toLocalDelayedWitness(sign(delayed, ws, amount, privkeys.localDelayed), ws)),
          );
          const early = spendOf(tx, i, params.toSelfDelay - 1);
          assert.ok(
            !check(tx, early, toLocalDelayedWitness(sign(early, ws, amount, privkeys.localDelayed), ws)),
          );
          const penalty = spendOf(tx, i, 0xffffffff);
          assert.ok(
            check(tx, penalty, toLocalRevocationWitness(sign(penalty, ws, amount, privkeys.revocation), ws)),
          );
          assert.ok(
            !check(
              tx,
              penalty,
              toLocalRevocationWitness(sign(penalty, ws, amount, privkeys.localDelayed), ws),
            ),
          );
        } else if (info.kind === 'to_remote') {
          if (anchors) {
            const ws = info.witnessScript!;
            const spend = spendOf(tx, i, 1);
            assert.ok(
              check(tx, spend, toRemoteAnchorsWitness(sign(spend, ws, amount, privkeys.remotePayment), ws)),
            );
            const early = spendOf(tx, i, 0);
            assert.ok(
              !check(tx, early, toRemoteAnchorsWitness(sign(early, ws, amount, privkeys.remotePayment), ws)),
            );
          } else {
            const spend = spendOf(tx, i, 0xffffffff);
            const code = p2wpkhScriptCode(tx.outputs[i]!.script.subarray(2));
            const w = toRemoteP2wpkhWitness(
              sign(spend, code, amount, privkeys.remotePayment),
              params.keys.remotePaymentPubkey,
            );
            assert.ok(check(tx, spend, w));
          }
        } else if (info.kind === 'local_anchor' || info.kind === 'remote_anchor') {
          const ws = info.witnessScript;
          const key = info.kind === 'local_anchor' ? privkeys.localFunding : privkeys.remoteFunding;
          const other = info.kind === 'local_anchor' ? privkeys.remoteFunding : privkeys.localFunding;
          const now = spendOf(tx, i, 0xffffffff);
          assert.ok(check(tx, now, anchorWitness(sign(now, ws, amount, key), ws)));
          assert.ok(!check(tx, now, anchorWitness(sign(now, ws, amount, other), ws)));
          assert.ok(check(tx, spendOf(tx, i, 16), anchorSweepWitness(ws)));
          assert.ok(!check(tx, spendOf(tx, i, 15), anchorSweepWitness(ws)));
        } else {
          const htlc = params.htlcs[info.htlcIndex]!;
          const preimage = preimages[info.htlcIndex]!;
          const ws = info.witnessScript;
          const csv = anchors ? 1 : 0xfffffffe;
          // Revocation: the counterparty's penalty, at once.
          const penalty = spendOf(tx, i, 0xffffffff);
          assert.ok(
            check(
              tx,
              penalty,
              htlcRevocationWitness(
                sign(penalty, ws, amount, privkeys.revocation),
                params.keys.revocationPubkey,
                ws,
              ),
            ),
          );
          if (htlc.direction === 'offered') {
            const claim = spendOf(tx, i, csv);
            assert.ok(
              check(
                tx,
                claim,
                offeredHtlcPreimageWitness(sign(claim, ws, amount, privkeys.remoteHtlc), preimage, ws),
              ),
            );
            const wrong = new Uint8Array(32).fill(0x42);
            assert.ok(
              !check(
                tx,
                claim,
                offeredHtlcPreimageWitness(sign(claim, ws, amount, privkeys.remoteHtlc), wrong, ws),
              ),
            );
            if (anchors) {
              const early = spendOf(tx, i, 0);
              assert.ok(
                !check(
                  tx,
                  early,
                  offeredHtlcPreimageWitness(sign(early, ws, amount, privkeys.remoteHtlc), preimage, ws),
                ),
              );
            }
          } else {
            const timeout = spendOf(tx, i, csv, htlc.cltvExpiry);
            assert.ok(
              check(
                tx,
                timeout,
                receivedHtlcTimeoutWitness(sign(timeout, ws, amount, privkeys.remoteHtlc), ws),
              ),
            );
            const early = spendOf(tx, i, csv, htlc.cltvExpiry - 1);
            assert.ok(
              !check(tx, early, receivedHtlcTimeoutWitness(sign(early, ws, amount, privkeys.remoteHtlc), ws)),
            );
          }
          // The second-stage transaction (HTLC-timeout for offered, HTLC-success for received).
          const ht = htlcTxs.find((x) => x.htlcIndex === info.htlcIndex)!;
          assert.equal(ht.tx.inputs[0]!.prevout.index, i);
          const remoteType = htlcRemoteSighashType(params.format);
          const r = sign(ht.tx, ws, amount, privkeys.remoteHtlc, remoteType);
          const l = sign(ht.tx, ws, amount, privkeys.localHtlc);
          const w =
            ht.kind === 'success' ? htlcSuccessWitness(r, l, preimage, ws) : htlcTimeoutWitness(r, l, ws);
          assert.ok(check(tx, ht.tx, w));
          const swapped =
            ht.kind === 'success' ? htlcSuccessWitness(l, r, preimage, ws) : htlcTimeoutWitness(l, r, ws);
          assert.ok(!check(tx, ht.tx, swapped));
          // Its output: the owner after to_self_delay, or the counterparty with the revocation key.
          const out = ht.outputWitnessScript;
          const outAmount = ht.tx.outputs[0]!.amountSat;
          const delayed = spendOf(ht.tx, 0, params.toSelfDelay);
          assert.ok(
            check(
              ht.tx,
              delayed,
              toLocalDelayedWitness(sign(delayed, out, outAmount, privkeys.localDelayed), out),
            ),
          );
          const revoke = spendOf(ht.tx, 0, 0xffffffff);
          assert.ok(
            check(
              ht.tx,
              revoke,
              toLocalRevocationWitness(sign(revoke, out, outAmount, privkeys.revocation), out),
            ),
          );
        }
      });
    }),
    { numRuns: 30 },
  );
});
