// BOLT 7 receiver checks: each rule accepts a correctly signed message and rejects the broken one
// with its typed reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  channelUpdateUsability,
  checkFundingOutput,
  isNodeAnnouncementRelayable,
  type Verdict,
  verifyChannelAnnouncement,
  verifyChannelUpdate,
  verifyNodeAnnouncement,
} from '../../src/gossip/index.js';
import { type ChannelAnnouncement, encodeMessage } from '../../src/wire/index.js';
import {
  OTHER_CHAIN,
  REGTEST,
  scid,
  signedAnnouncement,
  signedNodeAnnouncement,
  signedUpdate,
  TestNode,
} from './helpers.js';

const alice = new TestNode('alice');
const bob = new TestNode('bob');
const carol = new TestNode('carol');
const ch = signedAnnouncement(alice, bob, scid(700_000, 5, 1));
const ctx = { chainHash: REGTEST };

function reason(v: Verdict): string {
  return v.ok ? 'ok' : `${v.reason}/${v.severity}`;
}

describe('channel_announcement', () => {
  test('a correctly signed announcement is accepted', () => {
    assert.equal(reason(verifyChannelAnnouncement(ch.msg, ctx)), 'ok');
  });

  test('an unknown chain is ignored', () => {
    const other = signedAnnouncement(alice, bob, scid(1, 1, 1), { chainHash: OTHER_CHAIN });
    assert.equal(reason(verifyChannelAnnouncement(other.msg, ctx)), 'unknown_chain/ignore');
  });

  test('node ids out of order are refused', () => {
    const swapped: ChannelAnnouncement = {
      ...ch.msg,
      nodeId1: ch.msg.nodeId2,
      nodeId2: ch.msg.nodeId1,
    };
    assert.equal(reason(verifyChannelAnnouncement(swapped, ctx)), 'node_ids_not_ascending/warn');
  });

  test('a key that is not a curve point is refused', () => {
    const bad = new Uint8Array(33).fill(0xff);
    bad[0] = 2;
    assert.equal(
      reason(verifyChannelAnnouncement({ ...ch.msg, bitcoinKey2: bad }, ctx)),
      'invalid_public_key/warn',
    );
  });

  test('each of the four signatures is checked', () => {
    for (const field of [
      'nodeSignature1',
      'nodeSignature2',
      'bitcoinSignature1',
      'bitcoinSignature2',
    ] as const) {
      // Another signature of the announcement stands in: valid ECDSA, wrong key.
      const wrong = field === 'nodeSignature1' ? ch.msg.nodeSignature2 : ch.msg.nodeSignature1;
      assert.equal(
        reason(verifyChannelAnnouncement({ ...ch.msg, [field]: wrong }, ctx)),
        'invalid_signature/warn',
        field,
      );
    }
    // A changed field after the signatures invalidates them all.
    assert.equal(
      reason(verifyChannelAnnouncement({ ...ch.msg, shortChannelId: ch.msg.shortChannelId + 1n }, ctx)),
      'invalid_signature/warn',
    );
  });

  test('the funding output must be the unspent 2-of-2 P2WSH of the bitcoin keys', () => {
    const ok = checkFundingOutput(ch.msg, ch.output);
    assert.equal(reason(ok), 'ok');
    assert.equal(ok.capacitySat, 1_000_000n);
    assert.equal(reason(checkFundingOutput(ch.msg, 'spent')), 'funding_spent/ignore');
    assert.equal(reason(checkFundingOutput(ch.msg, 'unknown')), 'funding_unknown/ignore');
    const other = signedAnnouncement(alice, carol, scid(1, 2, 3));
    assert.equal(reason(checkFundingOutput(ch.msg, other.output)), 'funding_script_mismatch/ignore');
  });
});

describe('node_announcement', () => {
  const na = signedNodeAnnouncement(alice, 1000);

  test('a signed announcement of a known node is accepted', () => {
    assert.equal(reason(verifyNodeAnnouncement(na, { knownNode: true })), 'ok');
    assert.equal(reason(verifyNodeAnnouncement(na, { knownNode: true, lastTimestamp: 999 })), 'ok');
  });

  test('a node without an announced channel is ignored', () => {
    assert.equal(reason(verifyNodeAnnouncement(na, { knownNode: false })), 'unknown_node/ignore');
  });

  test('a timestamp not after the last one is ignored', () => {
    assert.equal(
      reason(verifyNodeAnnouncement(na, { knownNode: true, lastTimestamp: 1000 })),
      'stale_timestamp/ignore',
    );
    assert.equal(
      reason(verifyNodeAnnouncement(na, { knownNode: true, lastTimestamp: 2000 })),
      'stale_timestamp/ignore',
    );
  });

  test('a signature by another key is refused with a warning', () => {
    const forged = signedNodeAnnouncement(alice, 1000, { signer: bob });
    assert.equal(reason(verifyNodeAnnouncement(forged, { knownNode: true })), 'invalid_signature/warn');
    const tampered = { ...na, rgbColor: Uint8Array.of(9, 9, 9) };
    assert.equal(reason(verifyNodeAnnouncement(tampered, { knownNode: true })), 'invalid_signature/warn');
  });

  test('a node_id that is not a valid key is refused', () => {
    const bad = new Uint8Array(33).fill(0xff);
    bad[0] = 3;
    assert.equal(
      reason(verifyNodeAnnouncement({ ...na, nodeId: bad }, { knownNode: true })),
      'invalid_public_key/warn',
    );
  });

  test('a timestamp far in the future is refused', () => {
    const v = verifyNodeAnnouncement(na, { knownNode: true, nowSec: 100, maxFutureSec: 600 });
    assert.equal(reason(v), 'timestamp_in_future/ignore');
    assert.equal(
      reason(verifyNodeAnnouncement(na, { knownNode: true, nowSec: 500, maxFutureSec: 600 })),
      'ok',
    );
  });

  test('more than one DNS hostname makes it unrelayable', () => {
    const one = signedNodeAnnouncement(alice, 1, {
      addresses: [{ type: 'dns', hostname: 'a.example', port: 9735 }],
    });
    const two = signedNodeAnnouncement(alice, 1, {
      addresses: [
        { type: 'dns', hostname: 'a.example', port: 9735 },
        { type: 'dns', hostname: 'b.example', port: 9735 },
      ],
    });
    assert.equal(isNodeAnnouncementRelayable(one), true);
    assert.equal(isNodeAnnouncementRelayable(two), false);
  });
});

describe('channel_update', () => {
  const channel = { node1: ch.node1.nodeId, node2: ch.node2.nodeId };
  const u1 = signedUpdate(ch, ch.node1, { timestamp: 1000 });
  const u2 = signedUpdate(ch, ch.node2, { timestamp: 1000 });

  test('updates signed by the node their direction names are accepted', () => {
    assert.equal(u1.channelFlags & 1, 0);
    assert.equal(u2.channelFlags & 1, 1);
    assert.equal(reason(verifyChannelUpdate(u1, { ...ctx, channel })), 'ok');
    assert.equal(reason(verifyChannelUpdate(u2, { ...ctx, channel })), 'ok');
  });

  test('an update signed by the other end is refused with a warning', () => {
    const wrong = signedUpdate(ch, ch.node1, { timestamp: 1000 }, ch.node2);
    assert.equal(reason(verifyChannelUpdate(wrong, { ...ctx, channel })), 'invalid_signature/warn');
    const outsider = signedUpdate(ch, ch.node2, { timestamp: 1000 }, carol);
    assert.equal(reason(verifyChannelUpdate(outsider, { ...ctx, channel })), 'invalid_signature/warn');
  });

  test('unknown chain and unknown channel are ignored', () => {
    const other = signedUpdate(ch, ch.node1, { timestamp: 1000, chainHash: OTHER_CHAIN });
    assert.equal(reason(verifyChannelUpdate(other, { ...ctx, channel })), 'unknown_chain/ignore');
    assert.equal(reason(verifyChannelUpdate(u1, ctx)), 'unknown_channel/ignore');
  });

  test('timestamps: older ignored, same fields ignored, same timestamp with other fields ignored', () => {
    const previous = { timestamp: 1000, raw: encodeMessage(u1) };
    const older = signedUpdate(ch, ch.node1, { timestamp: 999 });
    assert.equal(reason(verifyChannelUpdate(older, { ...ctx, channel, previous })), 'stale_timestamp/ignore');
    assert.equal(reason(verifyChannelUpdate(u1, { ...ctx, channel, previous })), 'duplicate/ignore');
    const changed = signedUpdate(ch, ch.node1, { timestamp: 1000, feeBaseMsat: 5 });
    assert.equal(
      reason(verifyChannelUpdate(changed, { ...ctx, channel, previous })),
      'same_timestamp_different_fields/ignore',
    );
    const newer = signedUpdate(ch, ch.node1, { timestamp: 1001 });
    assert.equal(reason(verifyChannelUpdate(newer, { ...ctx, channel, previous })), 'ok');
  });

  test('timestamps too far ahead or older than the stale limit are refused', () => {
    const when = { ...ctx, channel, nowSec: 1_300_000, maxFutureSec: 600, maxAgeSec: 1_209_600 };
    const future = signedUpdate(ch, ch.node1, { timestamp: 1_300_601 });
    assert.equal(reason(verifyChannelUpdate(future, when)), 'timestamp_in_future/ignore');
    const old = signedUpdate(ch, ch.node1, { timestamp: 1_300_000 - 1_209_601 });
    assert.equal(reason(verifyChannelUpdate(old, when)), 'timestamp_too_old/ignore');
    const fine = signedUpdate(ch, ch.node1, { timestamp: 1_300_000 - 1_209_600 });
    assert.equal(reason(verifyChannelUpdate(fine, when)), 'ok');
  });

  test('htlc_maximum rules make a policy unusable for routing, not invalid', () => {
    const inverted = signedUpdate(ch, ch.node1, {
      timestamp: 1,
      htlcMinimumMsat: 10_000n,
      htlcMaximumMsat: 9_999n,
    });
    assert.equal(reason(verifyChannelUpdate(inverted, { ...ctx, channel })), 'ok');
    assert.equal(channelUpdateUsability(inverted, 1_000_000n), 'htlc_maximum_below_minimum');
    const big = signedUpdate(ch, ch.node1, { timestamp: 1, htlcMaximumMsat: 1_000_000_001n });
    assert.equal(channelUpdateUsability(big, 1_000_000n), 'htlc_maximum_above_capacity');
    assert.equal(channelUpdateUsability(big, undefined), 'usable');
    assert.equal(channelUpdateUsability(u1, 1_000_000n), 'usable');
  });
});
