// A -> B -> C again, for what comes from the channel layer rather than from a peer's switch: the
// attribution data a channel reports with a downstream fulfill or failure (through the node's
// adapter, as the channel driver reports it), an HTLC of ours left on chain when its channel
// closes, and the channel_update a failure carries, read only when a failure needs it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OutgoingResolution } from '../../src/channel/index.js';
import { deliverOutgoingResolution } from '../../src/node/links.js';
import { verifyFulfillAttribution } from '../../src/onion/index.js';
import type { FakeLink, Net, TestNode } from './harness.js';
import { eachLine } from './network.js';
import {
  attributed,
  BC,
  failureAt,
  fulfilledAt,
  keysend,
  type Payment,
  send,
  UNKNOWN_DETAILS,
} from './route.js';

describe('HtlcSwitch: resolutions from the channel layer', () => {
  let net: Net;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  eachLine((line) => ({ net, a, b, c } = line));

  /** A sends a keysend that C holds, then A's channel with B closes with its HTLC unresolved. */
  async function closedWithHtlcInFlight(): Promise<{ p: Payment; ab: FakeLink }> {
    const p = keysend(b, c);
    c.finalMode = 'hold';
    await send(a, p);
    await net.pump();
    const ab = a.linkTo(b);
    await a.switch.channelClosed(ab.channelId);
    return { p, ab };
  }

  /**
   * C's removals reach B as B's channel driver reports them (an OutgoingResolution through the
   * node's adapter), keeping the attribution data only if `keep`.
   */
  function viaDriver(p: Payment, keep: boolean): void {
    const toB = c.linkTo(b);
    const report = (r: OutgoingResolution) =>
      net.send(() => deliverOutgoingResolution(b.switch, b.linkTo(c), r));
    toB.fulfillHtlc = async (htlcId, preimage, attributionData) => {
      report({
        kind: 'fulfilled',
        htlcId,
        paymentHash: p.paymentHash,
        preimage,
        ...(keep && attributionData !== undefined ? { attributionData } : {}),
      });
    };
    toB.failHtlc = async (htlcId, reason, attributionData) => {
      report({
        kind: 'failed',
        htlcId,
        paymentHash: p.paymentHash,
        reason: {
          kind: 'onion',
          reason,
          ...(keep && attributionData !== undefined ? { attributionData } : {}),
        },
      });
    };
  }

  test("a downstream failure's attribution data is extended by B: A verifies both hops", async () => {
    const p = keysend(b, c);
    viaDriver(p, true);
    const failure = UNKNOWN_DETAILS;
    c.finalMode = { fail: { kind: 'fail', failure } };
    await send(a, p);
    await net.pump();
    const d = failureAt(a, p);
    assert.deepEqual(attributed(d, 1), failure);
    assert.equal(d.kind === 'attributed' && d.attribution?.verifiedHops, 2);

    // Without C's attribution data B starts afresh: only B's own hop verifies.
    const q = keysend(b, c);
    viaDriver(q, false);
    await send(a, q);
    await net.pump();
    const e = failureAt(a, q);
    assert.deepEqual(attributed(e, 1), failure);
    assert.equal(e.kind === 'attributed' && e.attribution?.verifiedHops, 1);
  });

  test("a downstream fulfill's attribution data is extended by B: A reads both hold times", async () => {
    const p = keysend(b, c);
    viaDriver(p, true);
    c.finalMode = 'hold';
    await send(a, p);
    await net.pump();
    b.clock += 2500;
    c.clock += 700;
    assert.equal(await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage), true);
    await net.pump();
    const attr = fulfilledAt(a, p);
    assert.ok(attr !== undefined);
    assert.deepEqual(verifyFulfillAttribution(p.sharedSecrets, attr), {
      verifiedHops: 2,
      holdTimes: [25, 7],
    });
  });

  test('our HTLC on a channel that closes is left to the chain: a notice, no outcome, until the chain decides', async () => {
    const { p, ab } = await closedWithHtlcInFlight();
    assert.equal(a.onChain.length, 1);
    assert.equal(a.onChain[0]?.ref, p.ref);
    assert.match(a.onChain[0]?.why ?? '', /closed with HTLC 0 unresolved/);
    assert.equal(a.outcomes.length, 0, 'not failed: the peer may still claim it on chain');
    assert.equal(a.switch.localHtlcStatus(p.ref), 'pending');

    // Told again after a restart, since the HTLC is still unresolved.
    await a.restart();
    assert.equal(a.onChain.length, 2);
    assert.equal(a.outcomes.length, 0);

    // The chain decides: the HTLC timed out, and the payment loop gets its end.
    await a.switch.outgoingHtlcFailed(ab, 0n, { kind: 'closed', why: 'timed out on chain' });
    assert.deepEqual(
      a.outcomes.map((o) => [o.ref, o.outcome]),
      [[p.ref, { kind: 'failed', failure: { kind: 'closed', why: 'timed out on chain' } }]],
    );
    assert.equal(a.switch.localHtlcStatus(p.ref), 'unknown');
  });

  test('a preimage learned on chain after the close ends our HTLC as fulfilled', async () => {
    const { p, ab } = await closedWithHtlcInFlight();
    await a.switch.outgoingHtlcFulfilled(ab, 0n, p.preimage);
    assert.equal(a.onChain.length, 1);
    assert.deepEqual(
      a.outcomes.map((o) => [o.ref, o.outcome.kind]),
      [[p.ref, 'fulfilled']],
    );
  });

  test("a forward reads the outgoing channel's channel_update only when it fails", async () => {
    const bc = b.linkTo(c);
    const read: bigint[] = [];
    const original = bc.channelUpdate.bind(bc);
    bc.channelUpdate = (scid: bigint) => {
      read.push(scid);
      return original(scid);
    };
    const ok = keysend(b, c);
    await send(a, ok);
    await net.pump();
    assert.equal(fulfilledAt(a, ok) !== undefined, true);
    assert.deepEqual(read, [], 'a successful forward signs nothing');

    const cheap = keysend(b, c, { fee: 1n });
    await send(a, cheap);
    await net.pump();
    assert.equal(attributed(failureAt(a, cheap), 0).name, 'fee_insufficient');
    assert.deepEqual(read, [BC]);
  });
});
