// Interop scenario 6: failures across ksnode and LDK 0.1. LDK, forwarding for ksnode, rejects an
// HTLC for an unknown next hop, one its outgoing channel cannot carry, and one whose CLTV delta is
// below its own; ksnode decodes the failure, its code and the hop that sent it. Then ksnode, as
// the final node, rejects LDK's keysend payments (an unknown even record; keysend turned off),
// and LDK reports the failure code it decoded from our onion error. (A keysend whose preimage does
// not match its payment_hash cannot come from LDK: `send_spontaneous_payment` derives the hash from
// the preimage, and `RecipientOnionFields::with_custom_tlvs` refuses type 5482373484. ksnode's
// answer to it is the same PERM|15 as for keysend turned off, checked below on the wire by LDK.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytesToHex, hexToBytes, publicKeyCreate, randomBytes } from '../../src/crypto/index.js';
import type { NodeProcess } from '../node/harness.js';
import type { LdkPeer } from './ldk/client.js';
import { InteropNet, ksKeysend, ksPayment, type OpenedChannel, scidText, utf8 } from './ldk-net.js';

/** BOLT 4 failure codes. */
const PERM = 0x4000;
const UPDATE = 0x1000;
const UNKNOWN_NEXT_PEER = PERM | 10;
const TEMPORARY_CHANNEL_FAILURE = UPDATE | 7;
const INCORRECT_CLTV_EXPIRY = UPDATE | 13;
const INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS = PERM | 15;
const INVALID_ONION_PAYLOAD = PERM | 22;
/** LDK's forwarding policy (its defaults): base fee 1000 msat, no proportional fee, delta 72. */
const LDK_FEE_BASE_MSAT = 1000;
const LDK_CLTV_DELTA = 72;

let net: InteropNet;
let a: NodeProcess;
let b: NodeProcess;
let ldk: LdkPeer;
let ldkToB: OpenedChannel;

before(
  async () => {
    net = await InteropNet.start();
    // B refuses keysend: LDK's keysend to it must come back failed.
    [a, b, ldk] = await Promise.all([
      net.ksnode('a', 3_000_000n),
      net.ksnode('b', 0n, { 'accept-keysend': 'false' }),
      net.ldk(),
    ]);
    await net.explain(async () => {
      await net.ksConnects(a, ldk);
      await net.ksConnects(b, ldk);
      // LDK lets an HTLC carry at most 10 % of the channel: a big A -> LDK channel, a small LDK -> B.
      await net.ksOpens(a, ldk, 1_600_000n, 200_000_000n);
      ldkToB = await net.ldkOpens(ldk, b, 100_000n);
    });
  },
  { timeout: 90_000 },
);

after(async () => {
  await net?.close();
});

/** A route hint for the channel LDK -> B with LDK's policy, or with `over` replacing fields. */
function hintViaLdk(scid: bigint, over: { cltvExpiryDelta?: number } = {}) {
  return [
    [
      {
        nodeId: bytesToHex(ldk.nodeId),
        shortChannelId: scidText(scid),
        feeBaseMsat: String(LDK_FEE_BASE_MSAT),
        feeProportionalMillionths: 0,
        cltvExpiryDelta: over.cltvExpiryDelta ?? LDK_CLTV_DELTA,
      },
    ],
  ];
}

/** The payment failed, and its attempts all failed at LDK (route hop 1) with `code`. */
async function failedAtLdkWith(hash: string, code: number, name: string): Promise<void> {
  const p = await ksPayment(a, hash);
  assert.equal(p.status, 'failed');
  assert.ok(p.attempts.length >= 1);
  const decoded = p.attempts.filter((t) => t.failureCode !== null);
  assert.ok(decoded.length >= 1, `an attempt decoded a failure: ${JSON.stringify(p.attempts)}`);
  for (const t of decoded) {
    assert.equal(t.failureCode, code, `failure code ${t.failureName}`);
    assert.equal(t.failureName, name);
    assert.equal(t.failingHop, 1, 'the failure came from the first hop');
    assert.equal(t.route.hops[0]?.nodeId, bytesToHex(ldk.nodeId), 'which is LDK');
  }
}

test(
  'LDK fails an HTLC for an unknown next hop: ksnode decodes unknown_next_peer from LDK',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const nowhere = bytesToHex(publicKeyCreate(randomBytes(32)));
      const p = await ksKeysend(a, nowhere, 50_000n, { routeHints: hintViaLdk(0x0a0000_000001_0000n) });
      assert.equal(p.status, 'failed');
      await failedAtLdkWith(p.paymentHash, UNKNOWN_NEXT_PEER, 'unknown_next_peer');
    }),
);

test(
  'LDK fails an HTLC its channel cannot carry: ksnode decodes temporary_channel_failure',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const scid = ldkToB.ldkSide.shortChannelId!;
      // More than LDK holds on its side of the 100,000 sat channel to B (less than A may send).
      const p = await ksKeysend(a, b.nodeId, 120_000_000n, { routeHints: hintViaLdk(scid) });
      assert.equal(p.status, 'failed');
      await failedAtLdkWith(p.paymentHash, TEMPORARY_CHANNEL_FAILURE, 'temporary_channel_failure');
    }),
);

test(
  'LDK fails an HTLC whose CLTV delta is below its own: ksnode decodes incorrect_cltv_expiry',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const scid = ldkToB.ldkSide.shortChannelId!;
      const p = await ksKeysend(a, b.nodeId, 20_000n, {
        routeHints: hintViaLdk(scid, { cltvExpiryDelta: 10 }),
      });
      assert.equal(p.status, 'failed');
      await failedAtLdkWith(p.paymentHash, INCORRECT_CLTV_EXPIRY, 'incorrect_cltv_expiry');
    }),
);

/** LDK's log line for the onion error it decoded from `node`, with the code in hex. */
async function ldkDecoded(code: number): Promise<string[]> {
  const lines = await ldk.logs('Onion Error');
  return lines.map((l) => l.message).filter((m) => m.includes(`0x${code.toString(16)}`));
}

test(
  'ksnode refuses an LDK keysend with an unknown even record: LDK decodes invalid_onion_payload',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const before = (await ldkDecoded(INVALID_ONION_PAYLOAD)).length;
      const sent = await ldk.keysend(hexToBytes(a.nodeId), 30_000n, {
        customRecords: new Map([[70000n, utf8('even and unknown')]]),
        retries: 0,
      });
      assert.equal(sent.status, 'failed');
      assert.equal(sent.failure, 'RecipientRejected');
      assert.equal(sent.pathFailures.length, 1);
      assert.equal(sent.pathFailures[0]?.permanent, true);
      const lines = await ldkDecoded(INVALID_ONION_PAYLOAD);
      assert.equal(lines.length, before + 1, 'LDK decoded 0x4016 from our onion error');
      assert.match(lines.at(-1)!, new RegExp(a.nodeId));
      const inv = await a.api<{ invoices: unknown[] }>('GET', '/v1/invoices').catch(() => ({ invoices: [] }));
      assert.equal(
        JSON.stringify(inv.invoices).includes(bytesToHex(sent.paymentHash)),
        false,
        'no invoice for the refused payment',
      );
    }),
);

test(
  'ksnode with keysend off refuses LDK keysend: LDK decodes incorrect_or_unknown_payment_details',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const before = (await ldkDecoded(INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS)).length;
      const sent = await ldk.keysend(hexToBytes(b.nodeId), 25_000n, { retries: 0 });
      assert.equal(sent.status, 'failed');
      assert.equal(sent.failure, 'RecipientRejected');
      assert.equal(sent.pathFailures[0]?.permanent, true);
      const lines = await ldkDecoded(INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
      assert.equal(lines.length, before + 1, 'LDK decoded 0x400f from our onion error');
      assert.match(lines.at(-1)!, new RegExp(b.nodeId));
      // The channel is still usable afterwards: LDK's balance did not move.
      const c = await net.ldkChannel(ldk, ldkToB.channelId);
      assert.ok(c?.isUsable);
      assert.equal(c.pendingOutboundHtlcs, 0);
    }),
);
