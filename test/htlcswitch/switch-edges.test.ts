// The switch at its edges: policy grace, aliases, the registry and payment loop calling back in,
// bad input from peers and from the registry, and our own HTLCs across a restart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '../../src/crypto/index.js';
import { buildOnion, encodeHopPayload } from '../../src/onion/index.js';
import { decodeMessage } from '../../src/wire/index.js';
import { bytes, DEFAULT_TEST_POLICY, type Net, scid, type TestNode } from './harness.js';
import { eachLine } from './network.js';
import {
  AB,
  AMT,
  attributed,
  FEE,
  FINAL_CLTV,
  failureAt,
  fulfilledAt,
  IN_CLTV,
  keysend,
  recommitFirst,
  send,
  storedCircuits,
  UNKNOWN_DETAILS,
} from './route.js';

describe('HtlcSwitch edges', () => {
  let net: Net;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  // B-C is BC (scid 700000x2), known by an alias too.
  eachLine((line) => ({ net, a, b, c } = line), {
    setup: ({ b, c }) => b.linkTo(c).aliases.push(scid(16_000_000, 1, 1)),
  });

  test('the fee of the replaced policy is accepted for ten minutes, then fee_insufficient', async () => {
    const link = b.linkTo(c);
    link.policyValue = { ...DEFAULT_TEST_POLICY, feeBaseMsat: 5000n };
    link.previous = { policy: DEFAULT_TEST_POLICY, replacedAt: b.clock - 9 * 60_000 };
    const early = keysend(b, c);
    await send(a, early);
    await net.pump();
    fulfilledAt(a, early);

    b.clock += 2 * 60_000;
    const late = keysend(b, c);
    await send(a, late);
    await net.pump();
    assert.equal(attributed(failureAt(a, late), 0).name, 'fee_insufficient');
  });

  test('an alias names the channel, and the failure channel_update carries the alias', async () => {
    const alias = scid(16_000_000, 1, 1);
    const ok = keysend(b, c, { outScid: alias });
    await send(a, ok);
    await net.pump();
    fulfilledAt(a, ok);
    assert.equal((await b.store.forwards.list())[0]?.status, 'settled');

    const cheap = keysend(b, c, { outScid: alias, fee: 0n });
    await send(a, cheap);
    await net.pump();
    const f = attributed(failureAt(a, cheap), 0);
    assert.ok(f.name === 'fee_insufficient');
    const update = decodeMessage(f.channelUpdate);
    assert.ok(update.ok && update.value.kind === 'channel_update');
    assert.equal(update.value.shortChannelId, alias);
  });

  test('a forward payload without short_channel_id fails with invalid_onion_payload from B', async () => {
    const preimage = bytes('no scid');
    const paymentHash = sha256(preimage);
    const { packet, sharedSecrets } = buildOnion(
      [
        {
          nodeId: b.nodeId,
          payload: encodeHopPayload({ amtToForwardMsat: AMT, outgoingCltvValue: FINAL_CLTV }),
        },
        {
          nodeId: c.nodeId,
          payload: encodeHopPayload({ amtToForwardMsat: AMT, outgoingCltvValue: FINAL_CLTV }),
        },
      ],
      bytes('session no scid'),
      paymentHash,
    );
    const p = {
      ref: 'no-scid',
      preimage,
      paymentHash,
      onion: packet,
      sharedSecrets,
      amountMsat: AMT + FEE,
      cltvExpiry: IN_CLTV,
    };
    await send(a, p);
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, p), 0), { name: 'invalid_onion_payload', type: 6n, offset: 0 });
  });

  test('a held HTLC failed by the registry reaches A attributed to C', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    assert.equal(await c.switch.failHeldHtlc(c.linkTo(b).channelId, 0n, { name: 'mpp_timeout' }), true);
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, p), 1), { name: 'mpp_timeout' });
  });

  test('a final HTLC reported again while held is not handed to the registry twice', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await recommitFirst(b, c);
    assert.equal(c.finals.length, 1);
  });

  test('the registry may settle from inside onFinalHtlc without deadlocking the switch', async () => {
    const p = keysend(b, c);
    c.finalMode = {
      custom: async (htlc, payload) => {
        assert.equal(
          await c.switch.settleHeldHtlc(htlc.channelId, htlc.htlcId, payload.keysendPreimage!),
          true,
        );
        return { kind: 'hold' };
      },
    };
    await send(a, p);
    await net.pump();
    fulfilledAt(a, p);
  });

  test('a registry settling with a wrong preimage fails the HTLC instead', async () => {
    const p = keysend(b, c);
    c.finalMode = { custom: async () => ({ kind: 'settle', preimage: bytes('wrong') }) };
    await send(a, p);
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, p), 1), UNKNOWN_DETAILS);
    assert.ok(c.events.some((e) => e.kind === 'anomaly' && /wrong preimage/.test(e.message)));
  });

  test('the payment loop may send its next attempt from inside onHtlcResolved', async () => {
    const first = keysend(b, c, { fee: 0n });
    const second = keysend(b, c);
    a.onOutcome = async (ref) => {
      if (ref === first.ref) await send(a, second);
    };
    await send(a, first);
    await net.pump();
    assert.equal(attributed(failureAt(a, first), 0).name, 'fee_insufficient');
    fulfilledAt(a, second);
  });

  test('a fulfill from downstream with a wrong preimage is ignored and reported', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await b.switch.outgoingHtlcFulfilled(b.linkTo(c), 0n, bytes('not it'));
    assert.equal(b.removalsOn(a).length, 0);
    assert.ok(b.events.some((e) => e.kind === 'anomaly' && /does not match/.test(e.message)));
    assert.equal(b.switch.pendingCircuits()[0]?.state, 'in_flight');
  });

  test('update_fail_malformed_htlc without the BADONION bit still fails back (temporary_channel_failure)', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await b.switch.outgoingHtlcFailed(b.linkTo(c), 0n, {
      kind: 'malformed',
      sha256OfOnion: bytes('x'),
      failureCode: 0x1007,
    });
    await net.pump();
    assert.equal(attributed(failureAt(a, p), 0).name, 'temporary_channel_failure');
    assert.ok(b.events.some((e) => e.kind === 'anomaly' && /BADONION/.test(e.message)));
  });

  test('a closing outgoing channel refuses with permanent_channel_failure; a throwing add fails back', async () => {
    b.linkTo(c).refuse = 'closing';
    const closing = keysend(b, c);
    await send(a, closing);
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, closing), 0), { name: 'permanent_channel_failure' });

    b.linkTo(c).refuse = undefined;
    b.linkTo(c).addMode = 'throw';
    const thrown = keysend(b, c);
    await send(a, thrown);
    await net.pump();
    assert.equal(attributed(failureAt(a, thrown), 0).name, 'temporary_channel_failure');
    assert.ok(b.events.some((e) => e.kind === 'anomaly' && /addHtlc threw/.test(e.message)));
    assert.deepEqual(
      (await b.store.forwards.list()).map((f) => f.status),
      ['failed', 'failed'],
    );
  });

  test('our HTLC whose add never reached the channel is reported failed after a restart', async () => {
    a.linkTo(b).addMode = 'hang';
    const p = keysend(b, c);
    void a.switch.sendHtlc({
      ref: p.ref,
      shortChannelId: AB,
      amountMsat: p.amountMsat,
      cltvExpiry: p.cltvExpiry,
      paymentHash: p.paymentHash,
      onion: p.onion,
    });
    for (let i = 0; i < 100 && (await storedCircuits(a)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal((await storedCircuits(a))[0]?.state, 'adding');
    a.linkTo(b).addMode = 'normal';
    await a.restart();
    await net.pump();
    const o = a.outcomes.find((x) => x.ref === p.ref)?.outcome;
    assert.equal(o?.kind === 'failed' && o.failure.kind, 'closed');
    assert.deepEqual(await storedCircuits(a), []);
    assert.equal(b.finals.length + c.finals.length, 0);
  });
});
