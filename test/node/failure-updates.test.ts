// test/node/failure-updates.test.ts: the channel_update our forwarding failures carry (gossip's
// latest, signed again for the short_channel_id the onion used and for the current policy), how the
// sender's payment loop reads it, and how the driver's HTLC resolutions and on-chain notices reach
// the switch and the loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelDriver, ChannelSnapshot, ChannelState } from '../../src/channel/index.js';
import { ecdsaSign, ecdsaVerify, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import { createChannelUpdate, type GossipSigner } from '../../src/gossip/index.js';
import type { ChannelLink, DownstreamFailure } from '../../src/htlcswitch/index.js';
import {
  DriverLink,
  deliverOutgoingResolution,
  FailureUpdates,
  type FeeSettings,
  htlcLimitsOf,
  LoopOutcomeSink,
  type OutgoingResolutionTarget,
} from '../../src/node/links.js';
import {
  checkFailureChannelUpdate,
  decodeFailureChannelUpdate,
  type HtlcOutcome,
  type PaymentLoop,
} from '../../src/payments/index.js';
import {
  type ChannelUpdate,
  channelUpdateHash,
  encodeMessage,
  isChannelDisabled,
  MESSAGE_FLAG_DONT_FORWARD,
} from '../../src/wire/index.js';

const NODE_KEY = sha256(new TextEncoder().encode('failure-updates node key'));
const NODE_ID = publicKeyCreate(NODE_KEY);
const CHAIN_HASH = new Uint8Array(32).fill(6);
const REAL_SCID = (700_000n << 40n) | (5n << 16n) | 1n;
const ALIAS = 0xf0_00_00_00_00_00_00_07n;
const GOSSIP_TIME = 1_700_000_000;
const NOW_SEC = GOSSIP_TIME + 500;
const FEES: FeeSettings = { feeBaseMsat: 1000n, feeProportionalMillionths: 100, cltvExpiryDelta: 40 };

function snapshot(usable: boolean): ChannelSnapshot {
  const state = {
    fundingSat: 100_000n,
    shortChannelId: REAL_SCID,
    localAlias: ALIAS,
    remote: { htlcMinimumMsat: 0n, maxHtlcValueInFlightMsat: 99_000_000_000n },
  } as unknown as ChannelState;
  return {
    channelId: new Uint8Array(32).fill(3),
    temporary: false,
    peerNodeId: new Uint8Array(33).fill(2),
    state,
    usable,
    spendableMsat: 50_000_000n,
    receivableMsat: 0n,
    createdAt: 0,
  };
}

/** A signer that counts its signatures. */
function countingSigner(): GossipSigner & { count: number } {
  const s = {
    count: 0,
    nodeId: NODE_ID,
    signWithNodeKey: (digest: Uint8Array) => {
      s.count++;
      return ecdsaSign(digest, NODE_KEY);
    },
    signWithFundingKey: (): Uint8Array => {
      throw new Error('not used');
    },
  };
  return s;
}

/** Gossip's latest update of the channel, as the gossiper signs it (direction 1, announced). */
function gossipUpdate(fees: FeeSettings, disabled = false): ChannelUpdate {
  const limits = htlcLimitsOf(snapshot(true));
  return createChannelUpdate(
    {
      chainHash: CHAIN_HASH,
      shortChannelId: REAL_SCID,
      direction: 1,
      policy: {
        cltvExpiryDelta: fees.cltvExpiryDelta,
        htlcMinimumMsat: limits.minimumMsat,
        htlcMaximumMsat: limits.maximumMsat,
        feeBaseMsat: fees.feeBaseMsat,
        feeProportionalMillionths: fees.feeProportionalMillionths,
      },
      disabled,
      dontForward: false,
      timestamp: GOSSIP_TIME,
    },
    countingSigner(),
  );
}

interface Setup {
  link: DriverLink;
  signer: GossipSigner & { count: number };
  setUsable(u: boolean): void;
  setFees(f: FeeSettings): void;
  setLatest(u: ChannelUpdate | undefined): void;
}

function setup(latest: ChannelUpdate = gossipUpdate(FEES)): Setup {
  let snap = snapshot(true);
  let fees = FEES;
  let last: ChannelUpdate | undefined = latest;
  const signer = countingSigner();
  const driver = { channel: () => snap } as unknown as ChannelDriver;
  const updates = new FailureUpdates({ latest: () => last, signer, nowSec: () => NOW_SEC });
  const link = new DriverLink(driver, snap, () => fees, updates);
  return {
    link,
    signer,
    setUsable: (u) => {
      snap = snapshot(u);
    },
    setFees: (f) => {
      fees = f;
    },
    setLatest: (u) => {
      last = u;
    },
  };
}

const decoded = (raw: Uint8Array): ChannelUpdate => {
  const u = decodeFailureChannelUpdate(raw);
  assert.ok(u !== undefined, 'the channel_update decodes');
  return u;
};

test("a failure naming the channel by gossip's short_channel_id carries gossip's latest update, with its type", () => {
  const latest = gossipUpdate(FEES);
  const { link, signer } = setup(latest);
  const raw = link.channelUpdate(REAL_SCID);
  assert.deepEqual(raw, encodeMessage(latest));
  // BOLT 7 channel_update is message type 258 (0x0102): sent with the type, as lnd and CLN do.
  assert.deepEqual([raw[0], raw[1]], [0x01, 0x02]);
  assert.equal(signer.count, 0, 'nothing signed again');
});

test('a failure naming an alias carries the same update signed for the alias, accepted by our payment loop', () => {
  const { link, signer } = setup();
  const raw = link.channelUpdate(ALIAS);
  const u = decoded(raw);
  // BOLT 4: "MUST set `short_channel_id` to the `short_channel_id` used by the incoming onion."
  assert.equal(u.shortChannelId, ALIAS);
  assert.equal(u.timestamp, GOSSIP_TIME, 'the same moment as gossip: only the id differs');
  assert.equal(u.feeBaseMsat, 1000);
  assert.equal(u.feeProportionalMillionths, 100);
  assert.equal(u.cltvExpiryDelta, 40);
  assert.equal(u.channelFlags & 1, 1, "gossip's direction");
  assert.equal(isChannelDisabled(u), false);
  assert.notEqual(u.messageFlags & MESSAGE_FLAG_DONT_FORWARD, 0, 'not gossip: dont_forward');
  assert.ok(ecdsaVerify(u.signature, channelUpdateHash(u), NODE_ID));
  assert.equal(signer.count, 1);
  assert.deepEqual(link.channelUpdate(ALIAS), raw, 'kept, not signed again');
  assert.equal(signer.count, 1);

  // The sender's side: valid for the channel the onion named, signed by the failing node, newer.
  const check = checkFailureChannelUpdate(
    { shortChannelId: ALIAS, direction: 1, erringNodeId: NODE_ID, channelUpdate: raw, policyRelated: true },
    GOSSIP_TIME - 3600,
    CHAIN_HASH,
  );
  assert.ok(check.ok, check.ok ? '' : check.reason);
  assert.equal(check.override.shortChannelId, ALIAS);
  assert.equal(check.override.policy.feeBaseMsat, 1000n);
  assert.equal(check.override.policy.cltvExpiryDelta, 40);
});

test('a disabled channel reports an update with the disable bit, newer than the one gossip sent', () => {
  const s = setup();
  s.setUsable(false);
  assert.equal(s.link.policy().disabled, true);
  const u = decoded(s.link.channelUpdate(REAL_SCID));
  assert.equal(isChannelDisabled(u), true);
  assert.equal(u.shortChannelId, REAL_SCID);
  assert.equal(u.timestamp, NOW_SEC, 'BOLT 7: a later timestamp than any update sent before');
  assert.ok(ecdsaVerify(u.signature, channelUpdateHash(u), NODE_ID));
  // Once gossip's own disabled update is out, that one is used as it is.
  const disabled = gossipUpdate(FEES, true);
  s.setLatest(disabled);
  assert.deepEqual(s.link.channelUpdate(REAL_SCID), encodeMessage(disabled));
});

test('a fee change not yet in gossip is reported at once; nothing is reported before gossip made an update', () => {
  const s = setup();
  s.setFees({ ...FEES, feeBaseMsat: 2500n, cltvExpiryDelta: 72 });
  const u = decoded(s.link.channelUpdate(REAL_SCID));
  assert.equal(u.feeBaseMsat, 2500);
  assert.equal(u.cltvExpiryDelta, 72);
  assert.equal(u.timestamp, NOW_SEC);
  assert.equal(isChannelDisabled(u), false);

  const none = setup();
  none.setLatest(undefined);
  assert.deepEqual(none.link.channelUpdate(REAL_SCID), new Uint8Array(0));
  assert.equal(none.signer.count, 0);
});

/** Records what reaches the switch. */
function recordingSwitch() {
  const calls: { kind: string; htlcId: bigint; attributionData?: Uint8Array; failure?: DownstreamFailure }[] =
    [];
  const target: OutgoingResolutionTarget = {
    outgoingHtlcFulfilled: async (_link, htlcId, _preimage, attributionData) => {
      calls.push({ kind: 'fulfilled', htlcId, ...(attributionData ? { attributionData } : {}) });
    },
    outgoingHtlcFailed: async (_link, htlcId, failure) => {
      calls.push({ kind: 'failed', htlcId, failure });
    },
  };
  return { calls, target };
}

test("the driver's resolutions reach the switch with the peer's attribution data", async () => {
  const { calls, target } = recordingSwitch();
  const link = {} as ChannelLink;
  const paymentHash = new Uint8Array(32).fill(1);
  const attr = new Uint8Array(920).fill(0x5a);
  await deliverOutgoingResolution(target, link, {
    kind: 'fulfilled',
    htlcId: 4n,
    paymentHash,
    preimage: new Uint8Array(32).fill(2),
    attributionData: attr,
  });
  await deliverOutgoingResolution(target, link, {
    kind: 'failed',
    htlcId: 5n,
    paymentHash,
    reason: { kind: 'onion', reason: Uint8Array.of(7, 7), attributionData: attr },
  });
  await deliverOutgoingResolution(target, link, {
    kind: 'failed',
    htlcId: 6n,
    paymentHash,
    reason: { kind: 'onion', reason: Uint8Array.of(8) },
  });
  await deliverOutgoingResolution(target, link, {
    kind: 'closed',
    htlcId: 7n,
    paymentHash,
    why: 'never signed',
  });
  assert.deepEqual(calls, [
    { kind: 'fulfilled', htlcId: 4n, attributionData: attr },
    {
      kind: 'failed',
      htlcId: 5n,
      failure: { kind: 'fail', reason: Uint8Array.of(7, 7), attributionData: attr },
    },
    { kind: 'failed', htlcId: 6n, failure: { kind: 'fail', reason: Uint8Array.of(8) } },
    { kind: 'failed', htlcId: 7n, failure: { kind: 'closed', why: 'never signed' } },
  ]);
});

test('the switch notice of an HTLC left on chain reaches the loop as an onchain outcome', async () => {
  const got: { ref: string; outcome: HtlcOutcome }[] = [];
  const loop = {
    onHtlcResolved: async (ref: string, outcome: HtlcOutcome) => {
      got.push({ ref, outcome });
    },
  } as unknown as PaymentLoop;
  const sink = new LoopOutcomeSink(() => loop);
  await sink.onHtlcOnChain('12/1', 'channel closed');
  await sink.onHtlcResolved('12/1', {
    kind: 'failed',
    failure: { kind: 'closed', why: 'timed out on chain' },
  });
  assert.deepEqual(got, [
    { ref: '12/1', outcome: { kind: 'onchain', why: 'channel closed' } },
    { ref: '12/1', outcome: { kind: 'closed', why: 'timed out on chain' } },
  ]);
});
