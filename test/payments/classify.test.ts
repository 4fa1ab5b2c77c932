// Failure classification (BOLT 4 "Receiving Failure Codes") on real returned failures: every hop
// of a 4-hop route builds a failure that the hops before it wrap, and the origin decrypts it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import {
  createAttributableFailure,
  createFailure,
  decryptFailure,
  FAILURE_MESSAGES,
  type OnionFailure,
  onionSharedSecrets,
  wrapAttributableFailure,
  wrapFailure,
} from '../../src/onion/index.js';
import {
  analyzeFailure,
  analyzeMalformed,
  analyzeRefusal,
  type FailureAnalysis,
} from '../../src/payments/index.js';
import type { Route } from '../../src/routing/index.js';

const keys = [1, 2, 3, 4].map((i) => sha256(Uint8Array.of(i)));
const ids = keys.map((k) => publicKeyCreate(k));
const sessionKey = sha256(Uint8Array.of(99));
const route: Route = {
  hops: ids.map((nodeId, i) => ({
    nodeId,
    shortChannelId: BigInt(100 + i),
    direction: 0,
    amtToForwardMsat: 10_000n,
    outgoingCltvValue: 800_040 + 40 * (3 - i),
    feeMsat: i === 3 ? 0n : 1000n,
  })),
  amountMsat: 10_000n,
  totalAmountMsat: 13_000n,
  totalFeeMsat: 3000n,
  totalCltvDelta: 160,
  cltvExpiry: 800_160,
  successProbability: 1,
};
const secrets = onionSharedSecrets(sessionKey, ids);

/** The failure `f` created at hop `at` and wrapped back to the origin, then analyzed. */
function failAt(at: number, f: OnionFailure): FailureAnalysis {
  let reason = createFailure(secrets[at]!, f);
  for (let k = at - 1; k >= 0; k--) reason = wrapFailure(secrets[k]!, reason);
  return analyzeFailure(route, decryptFailure({ sessionKey, hopNodeIds: ids }, reason));
}

const code = (n: keyof typeof FAILURE_MESSAGES) => FAILURE_MESSAGES[n].code;

test('an intermediate channel failure: the next channel fails, channels before it carried', () => {
  const a = failAt(1, { name: 'temporary_channel_failure', channelUpdate: new Uint8Array(0) });
  assert.equal(a.failingHop, 2);
  assert.equal(a.failureCode, code('temporary_channel_failure'));
  assert.equal(a.failureName, 'temporary_channel_failure');
  assert.equal(a.terminal, false);
  assert.deepEqual(a.excludeChannels, []);
  assert.equal(a.channelFailure?.shortChannelId, 102n);
  assert.equal(bytesToHex(a.channelFailure!.erringNodeId), bytesToHex(ids[1]!));
  assert.equal(a.channelFailure?.policyRelated, false);
  assert.equal(a.channelFailure?.channelUpdate, undefined);
  assert.deepEqual(a.learn, { kind: 'failed', failingChannel: 102n });
  assert.match(a.reason, /^hop 2 \(.+\) returned temporary_channel_failure for channel 0x0x102$/);
});

test('policy failures carry their channel_update for a possible retry through the channel', () => {
  const update = Uint8Array.of(1, 2, 3);
  const a = failAt(2, { name: 'fee_insufficient', htlcMsat: 11_000n, channelUpdate: update });
  assert.equal(a.failingHop, 3);
  assert.equal(a.channelFailure?.shortChannelId, 103n);
  assert.equal(a.channelFailure?.policyRelated, true);
  assert.deepEqual([...a.channelFailure!.channelUpdate!], [1, 2, 3]);
  assert.deepEqual(a.learn, { kind: 'carried', hops: 3 });
  const perm = failAt(0, { name: 'permanent_channel_failure' });
  assert.equal(perm.channelFailure?.shortChannelId, 101n);
  assert.equal(perm.channelFailure?.policyRelated, false);
});

test('NODE failures, bad payloads and final-only codes from a forwarding node exclude that node', () => {
  for (const f of [
    { name: 'temporary_node_failure' },
    { name: 'permanent_node_failure' },
    { name: 'invalid_onion_payload', type: 2n, offset: 0 },
    { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1n, height: 1 },
    { name: 'mpp_timeout' },
  ] as OnionFailure[]) {
    const a = failAt(1, f);
    assert.equal(a.terminal, false, f.name);
    assert.deepEqual(a.excludeNodes.map(bytesToHex), [bytesToHex(ids[1]!)], f.name);
    assert.equal(a.channelFailure, undefined, f.name);
  }
});

test('a BADONION failure reported by a hop blames its channel to the next node', () => {
  const a = failAt(1, { name: 'invalid_onion_hmac', sha256OfOnion: new Uint8Array(32) });
  assert.deepEqual(a.excludeChannels, [102n]);
  assert.deepEqual(a.excludeNodes, []);
});

test('the final node: PERM stops, mpp_timeout retries, altered HTLCs blame the last channel', () => {
  const perm = failAt(3, {
    name: 'incorrect_or_unknown_payment_details',
    htlcMsat: 10_000n,
    height: 800_000,
  });
  assert.equal(perm.terminal, true);
  assert.equal(perm.failingHop, 4);
  assert.match(perm.reason, /^the recipient \(.+\) returned incorrect_or_unknown_payment_details$/);
  assert.deepEqual(perm.learn, { kind: 'carried', hops: 4 });
  const mpp = failAt(3, { name: 'mpp_timeout' });
  assert.equal(mpp.terminal, false);
  assert.deepEqual(mpp.excludeChannels, []);
  const cltv = failAt(3, { name: 'final_incorrect_cltv_expiry', cltvExpiry: 1 });
  assert.equal(cltv.terminal, false);
  assert.deepEqual(cltv.excludeChannels, [103n]);
  const node = failAt(3, { name: 'temporary_node_failure' });
  assert.equal(node.terminal, true);
  const unknownPerm = failAt(3, { name: 'unknown', code: 0x4000 | 0x77, data: new Uint8Array(0) });
  assert.equal(unknownPerm.terminal, true);
  assert.match(unknownPerm.reason, /unknown failure code 0x4077/);
});

test('unattributable failures: attribution data blames a pair, otherwise the route is avoided', () => {
  const garbage = new Uint8Array(292).fill(7);
  const none = analyzeFailure(route, decryptFailure({ sessionKey, hopNodeIds: ids }, garbage));
  assert.equal(none.failingHop, null);
  assert.equal(none.terminal, false);
  assert.deepEqual(none.excludeChannels, [101n, 102n, 103n]);
  const direct = analyzeFailure({ ...route, hops: route.hops.slice(0, 1) }, { kind: 'unattributable' });
  assert.equal(direct.terminal, true);

  // Hop 2 builds an attributable failure; hop 1 corrupts the reason but passes attribution on.
  const built = createAttributableFailure(secrets[2]!, { name: 'temporary_node_failure' }, 1);
  const wrapped1 = wrapAttributableFailure(secrets[1]!, built.reason, built.attributionData, 1);
  const corrupted = Uint8Array.from(wrapped1.reason);
  corrupted[40] = (corrupted[40] ?? 0) ^ 0xff;
  const wrapped0 = wrapAttributableFailure(secrets[0]!, corrupted, wrapped1.attributionData, 1);
  const d = decryptFailure({ sessionKey, hopNodeIds: ids }, wrapped0.reason, wrapped0.attributionData);
  assert.equal(d.kind, 'unattributable');
  const a = analyzeFailure(route, d);
  // Hop 0's HMAC holds, hop 1's does not: the channel between hops 0 and 1 is blamed.
  assert.deepEqual(a.excludeChannels, [101n]);
  assert.match(a.reason, /attribution data blames channel 0x0x101/);
});

test('local refusals and malformed onions from the first peer', () => {
  const r = analyzeRefusal(route, 'not enough balance');
  assert.equal(r.failingHop, 0);
  assert.equal(r.failureCode, null);
  assert.deepEqual(r.excludeChannels, [100n]);
  assert.match(r.reason, /our channel 0x0x100 refused the HTLC: not enough balance/);
  const m = analyzeMalformed(route, code('invalid_onion_key'));
  assert.equal(m.failingHop, 1);
  assert.equal(m.failureName, 'invalid_onion_key');
  assert.deepEqual(m.excludeChannels, [100n]);
  assert.equal(m.terminal, false);
});
