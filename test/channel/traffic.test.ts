// The big one: 1,000 HTLCs each way with random amounts, fulfilled and failed at random, signed
// at random moments so commitments cross; then a cooperative close whose transaction pays each
// side exactly its final balance (the funder minus the agreed fee) and spends the funding output
// with a valid 2-of-2 witness. A second run adds random disconnections and channel_reestablish.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChannelState, fundingOutputScript } from '../../src/channel/index.js';
import { decodeTx, verifyWitnessInputOfTx } from '../../src/tx/index.js';
import { cooperativeClose, Harness as H, type Harness, nodeConfig, Rng } from './harness.js';
import { runTraffic } from './traffic.js';

function assertClosingTx(h: Harness, fee: bigint, funderMsat: bigint, fundeeMsat: bigint) {
  for (const n of [h.a, h.b]) {
    const s: ChannelState = n.s;
    const tx = decodeTx(s.closingTx!);
    assert.ok(tx.ok);
    const check = verifyWitnessInputOfTx(tx.value, 0, {
      script: fundingOutputScript(s),
      amountSat: s.fundingSat,
    });
    assert.deepEqual(check, { ok: true }, 'the closing tx spends the funding output with both signatures');
    assert.deepEqual(tx.value.inputs[0]!.prevout, s.fundingOutpoint);
    const out = (script: Uint8Array) =>
      tx.value.outputs
        .filter((o) => Buffer.compare(o.script, script) === 0)
        .reduce((x, o) => x + o.amountSat, 0n);
    assert.equal(
      out(h.a.config.closeScript),
      funderMsat / 1000n - fee,
      'funder gets its balance minus the fee',
    );
    assert.equal(out(h.b.config.closeScript), fundeeMsat / 1000n, 'fundee gets its balance');
    assert.equal(tx.value.outputs.length, 2);
  }
}

test('1,000 HTLCs each way (static_remotekey), then a cooperative close paying exact balances', () => {
  const h = new H(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey', pushMsat: 400_000_000n });
  const r = runTraffic(h, new Rng(7), {
    htlcsEachWay: 1000,
    maxAmountMsat: 3_000_000n,
    disconnectRate: 0,
    failRate: 0.3,
    feeUpdateRate: 0.5,
  });
  assert.ok(r.feeUpdates > 10, `expected fee updates, got ${r.feeUpdates}`);
  assert.ok(r.offered.a >= 1000 && r.offered.b >= 1000, JSON.stringify(r.offered));
  assert.ok(r.failed > 100 && r.fulfilled > 100, 'both outcomes happen');
  const aMsat = 600_000_000n - r.aToBMsat;
  const bMsat = 400_000_000n + r.aToBMsat;
  assert.equal(h.a.s.localCommit!.spec.toLocalMsat, aMsat, 'A balance to the msat');
  assert.equal(h.b.s.localCommit!.spec.toLocalMsat, bMsat, 'B balance to the msat');
  assert.equal(h.b.s.localCommit!.spec.toRemoteMsat, aMsat);
  const fee = cooperativeClose(h, h.b);
  assert.ok(fee > 0n);
  assertClosingTx(h, fee, aMsat, bMsat);
  const action = h.a.actions.at(-1);
  assert.ok(action?.kind === 'broadcastClosing');
});

test('HTLC traffic with random disconnections (anchors): every HTLC ends fulfilled or failed', () => {
  const h = new H(nodeConfig('A', 3), nodeConfig('B', 4));
  h.open({ format: 'anchors', pushMsat: 500_000_000n, feeratePerKw: 2500 });
  const r = runTraffic(h, new Rng(11), {
    htlcsEachWay: 250,
    maxAmountMsat: 6_000_000n,
    disconnectRate: 0.01,
    failRate: 0.4,
    feeUpdateRate: 0.5,
  });
  assert.ok(r.disconnects >= 5, `expected several disconnections, got ${r.disconnects}`);
  const aMsat = 500_000_000n - r.aToBMsat;
  const bMsat = 500_000_000n + r.aToBMsat;
  assert.equal(h.a.s.localCommit!.spec.toLocalMsat, aMsat);
  assert.equal(h.b.s.localCommit!.spec.toLocalMsat, bMsat);
  const fee = cooperativeClose(h, h.a, 1000);
  assertClosingTx(h, fee, aMsat, bMsat);
});
