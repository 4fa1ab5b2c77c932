// Our own gossip: announcement_signatures from both ends combine into a channel_announcement that
// the verifier accepts; node_announcement with keysend and ordered addresses; channel_updates with
// strictly increasing timestamps, refreshed on change and before they go stale; route hints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkAnnouncementSignatures,
  combineAnnouncementSignatures,
  createAnnouncementSignatures,
  createChannelUpdate,
  createNodeAnnouncement,
  nextTimestamp,
  nodeAnnouncementProblem,
  policyProblem,
  routeHintsForInvoice,
  updateDue,
  verifyChannelAnnouncement,
  verifyChannelUpdate,
  verifyNodeAnnouncement,
} from '../../src/gossip/index.js';
import { aliasToString, FEATURES, Features, type NodeAddress } from '../../src/wire/index.js';
import { DEFAULT_POLICY, ordered, REGTEST, scid, TestNode } from './helpers.js';

const alice = new TestNode('alice');
const bob = new TestNode('bob');
const SCID = scid(800_000, 12, 0);
const channelId = new Uint8Array(32).fill(7);

function sides() {
  const ka = alice.fundingKey('own');
  const kb = bob.fundingKey('own');
  const pa = {
    chainHash: REGTEST,
    shortChannelId: SCID,
    ourNodeId: alice.nodeId,
    theirNodeId: bob.nodeId,
    ourFundingPubkey: ka.pub,
    theirFundingPubkey: kb.pub,
  };
  const pb = {
    ...pa,
    ourNodeId: bob.nodeId,
    theirNodeId: alice.nodeId,
    ourFundingPubkey: kb.pub,
    theirFundingPubkey: ka.pub,
  };
  return { pa, pb };
}

describe('announcement_signatures', () => {
  test('both sides combine into the same valid channel_announcement', () => {
    const { pa, pb } = sides();
    const sa = createAnnouncementSignatures(pa, channelId, alice);
    const sb = createAnnouncementSignatures(pb, channelId, bob);
    assert.equal(checkAnnouncementSignatures(pa, sb), undefined);
    assert.equal(checkAnnouncementSignatures(pb, sa), undefined);
    const fromA = combineAnnouncementSignatures(pa, sa, sb);
    const fromB = combineAnnouncementSignatures(pb, sb, sa);
    assert.deepEqual(fromA, fromB);
    assert.deepEqual(verifyChannelAnnouncement(fromA, { chainHash: REGTEST }), { ok: true });
    const [n1] = ordered(alice, bob);
    assert.deepEqual(fromA.nodeId1, n1.nodeId);
  });

  test('a wrong short_channel_id or signature is caught', () => {
    const { pa, pb } = sides();
    const sb = createAnnouncementSignatures(pb, channelId, bob);
    assert.equal(
      checkAnnouncementSignatures(pa, { ...sb, shortChannelId: SCID + 1n }),
      'short_channel_id_mismatch',
    );
    assert.equal(
      checkAnnouncementSignatures(pa, { ...sb, nodeSignature: sb.bitcoinSignature }),
      'invalid_signature',
    );
    assert.equal(
      checkAnnouncementSignatures(pa, { ...sb, bitcoinSignature: sb.nodeSignature }),
      'invalid_signature',
    );
    // Signed over another chain: a different hash.
    const other = createAnnouncementSignatures({ ...pb, chainHash: new Uint8Array(32) }, channelId, bob);
    assert.equal(checkAnnouncementSignatures(pa, other), 'invalid_signature');
  });
});

describe('node_announcement', () => {
  const addresses: NodeAddress[] = [
    { type: 'dns', hostname: 'node.example.com', port: 9735 },
    { type: 'ipv6', addr: new Uint8Array(16).fill(1), port: 9735 },
    { type: 'ipv4', addr: Uint8Array.of(203, 0, 113, 7), port: 9735 },
  ];

  test('carries the given features (keysend bit 55), sorted addresses, the alias, and verifies', () => {
    const msg = createNodeAnnouncement(
      {
        alias: 'ksnode ⚡',
        rgbColor: Uint8Array.of(0xff, 0x99, 0),
        addresses,
        features: Features.of([FEATURES.keysend, 'optional']),
      },
      1234,
      alice,
    );
    const f = Features.fromBytes(msg.features);
    assert.equal(f.has(55), true);
    assert.equal(f.has(54), false);
    assert.deepEqual(
      msg.addresses.map((a) => a.type),
      ['ipv4', 'ipv6', 'dns'],
    );
    assert.equal(aliasToString(msg.alias), 'ksnode ⚡');
    assert.equal(msg.timestamp, 1234);
    assert.deepEqual(verifyNodeAnnouncement(msg, { knownNode: true }), { ok: true });
    // A required keysend bit is kept as it is.
    const req = createNodeAnnouncement(
      {
        alias: 'x',
        rgbColor: new Uint8Array(3),
        addresses: [],
        features: Features.of([FEATURES.keysend, 'required']),
      },
      1,
      alice,
    );
    assert.deepEqual(Features.fromBytes(req.features).toBits(), [54]);
    // A node that refuses keysend does not advertise it.
    const none = createNodeAnnouncement(
      { alias: 'x', rgbColor: new Uint8Array(3), addresses: [], features: Features.empty },
      1,
      alice,
    );
    assert.deepEqual(Features.fromBytes(none.features).toBits(), []);
  });

  test('settings that BOLT 7 forbids are reported', () => {
    const base = { alias: 'a', rgbColor: new Uint8Array(3), addresses: [], features: Features.empty };
    assert.equal(nodeAnnouncementProblem(base), undefined);
    assert.match(nodeAnnouncementProblem({ ...base, alias: 'x'.repeat(33) }) ?? '', /32 bytes/);
    assert.match(nodeAnnouncementProblem({ ...base, rgbColor: new Uint8Array(2) }) ?? '', /3 bytes/);
    assert.match(
      nodeAnnouncementProblem({ ...base, addresses: [{ type: 'ipv4', addr: new Uint8Array(4), port: 0 }] }) ??
        '',
      /port 0/,
    );
    const dns = (h: string): NodeAddress => ({ type: 'dns', hostname: h, port: 1 });
    assert.match(nodeAnnouncementProblem({ ...base, addresses: [dns('a.b'), dns('c.d')] }) ?? '', /one DNS/);
    assert.match(nodeAnnouncementProblem({ ...base, addresses: [dns('bücher.de')] }) ?? '', /ASCII/);
    assert.match(
      nodeAnnouncementProblem({
        ...base,
        addresses: [{ type: 'torv2', addr: new Uint8Array(10), port: 1 }],
      }) ?? '',
      /Tor v2/,
    );
    assert.throws(() => createNodeAnnouncement({ ...base, alias: 'x'.repeat(40) }, 1, alice), RangeError);
  });
});

describe('channel_update', () => {
  const [n1, n2] = ordered(alice, bob);
  const channel = { node1: n1.nodeId, node2: n2.nodeId };

  test('direction, disable and dont_forward bits, signed by our node key', () => {
    const u = createChannelUpdate(
      {
        chainHash: REGTEST,
        shortChannelId: SCID,
        direction: 1,
        policy: DEFAULT_POLICY,
        disabled: true,
        dontForward: true,
        timestamp: 77,
      },
      n2,
    );
    assert.equal(u.channelFlags, 3);
    assert.equal(u.messageFlags, 3);
    assert.equal(u.feeBaseMsat, 1000);
    assert.equal(u.htlcMaximumMsat, 500_000_000n);
    assert.deepEqual(verifyChannelUpdate(u, { chainHash: REGTEST, channel }), { ok: true });
    const pub = createChannelUpdate(
      {
        chainHash: REGTEST,
        shortChannelId: SCID,
        direction: 0,
        policy: DEFAULT_POLICY,
        disabled: false,
        dontForward: false,
        timestamp: 78,
      },
      n1,
    );
    assert.equal(pub.channelFlags, 0);
    assert.equal(pub.messageFlags, 1);
    assert.deepEqual(verifyChannelUpdate(pub, { chainHash: REGTEST, channel }), { ok: true });
  });

  test('timestamps always increase, even when the clock does not', () => {
    assert.equal(nextTimestamp(1000, undefined), 1000);
    assert.equal(nextTimestamp(1000, 999), 1000);
    assert.equal(nextTimestamp(1000, 1000), 1001);
    assert.equal(nextTimestamp(1000, 5000), 5001);
    assert.equal(nextTimestamp(0, undefined), 1);
    let last: number | undefined;
    for (const now of [10, 10, 10, 9, 50, 50, 3]) {
      const t = nextTimestamp(now, last);
      if (last !== undefined) assert.ok(t > last);
      last = t;
    }
  });

  test('an update is due when missing, changed, or aging', () => {
    const want = { policy: DEFAULT_POLICY, disabled: false, dontForward: false, shortChannelId: SCID };
    const make = (
      over: Partial<{ disabled: boolean; dontForward: boolean; fee: bigint; timestamp: number }> = {},
    ) =>
      createChannelUpdate(
        {
          chainHash: REGTEST,
          shortChannelId: SCID,
          direction: 0,
          policy: { ...DEFAULT_POLICY, feeBaseMsat: over.fee ?? DEFAULT_POLICY.feeBaseMsat },
          disabled: over.disabled ?? false,
          dontForward: over.dontForward ?? false,
          timestamp: over.timestamp ?? 1000,
        },
        n1,
      );
    const week = 604_800;
    assert.equal(updateDue(undefined, want, 1000, week), 'missing');
    assert.equal(updateDue(make(), want, 1000, week), undefined);
    assert.equal(updateDue(make(), want, 1000 + week - 1, week), undefined);
    assert.equal(updateDue(make(), want, 1000 + week, week), 'refresh');
    assert.equal(updateDue(make({ fee: 1n }), want, 1000, week), 'changed');
    assert.equal(updateDue(make({ disabled: true }), want, 1000, week), 'changed');
    assert.equal(updateDue(make({ dontForward: true }), want, 1000, week), 'changed');
    assert.equal(updateDue(make(), { ...want, shortChannelId: SCID + 1n }, 1000, week), 'changed');
  });

  test('policies BOLT 7 forbids are reported', () => {
    assert.equal(policyProblem(DEFAULT_POLICY, 1_000_000n), undefined);
    assert.match(policyProblem({ ...DEFAULT_POLICY, htlcMaximumMsat: 999n }, 1_000_000n) ?? '', /below/);
    assert.match(policyProblem(DEFAULT_POLICY, 400_000n) ?? '', /capacity/);
    assert.match(policyProblem({ ...DEFAULT_POLICY, cltvExpiryDelta: 70_000 }, undefined) ?? '', /u16/);
    assert.match(policyProblem({ ...DEFAULT_POLICY, feeBaseMsat: 1n << 32n }, undefined) ?? '', /u32/);
  });
});

describe('route hints', () => {
  const peer = (n: number) => {
    const id = new Uint8Array(33);
    id[0] = 2;
    id[32] = n;
    return id;
  };

  test('one hop per active private channel, priced by the peer, largest inbound first', () => {
    const hints = routeHintsForInvoice([
      { shortChannelId: 1n, peerNodeId: peer(1), announced: false, active: true, inboundMsat: 10n },
      {
        shortChannelId: 2n,
        peerNodeId: peer(2),
        announced: false,
        active: true,
        inboundMsat: 50n,
        peerPolicy: { feeBaseMsat: 7n, feeProportionalMillionths: 8, cltvExpiryDelta: 9, disabled: false },
      },
      { shortChannelId: 3n, peerNodeId: peer(3), announced: true, active: true },
      { shortChannelId: 4n, peerNodeId: peer(4), announced: false, active: false },
      {
        shortChannelId: 5n,
        peerNodeId: peer(5),
        announced: false,
        active: true,
        peerPolicy: { feeBaseMsat: 1n, feeProportionalMillionths: 1, cltvExpiryDelta: 1, disabled: true },
      },
    ]);
    assert.deepEqual(hints, [
      [
        {
          pubkey: peer(2),
          shortChannelId: 2n,
          feeBaseMsat: 7n,
          feeProportionalMillionths: 8,
          cltvExpiryDelta: 9,
        },
      ],
      [
        {
          pubkey: peer(1),
          shortChannelId: 1n,
          feeBaseMsat: 1000n,
          feeProportionalMillionths: 100,
          cltvExpiryDelta: 144,
        },
      ],
    ]);
    const many = Array.from({ length: 20 }, (_, i) => ({
      shortChannelId: BigInt(i),
      peerNodeId: peer(i),
      announced: false,
      active: true,
    }));
    assert.equal(routeHintsForInvoice(many).length, 8);
    assert.equal(routeHintsForInvoice(many, undefined, 3).length, 3);
  });
});
