// test/htlcswitch/route.ts: the A -> B -> C keysend the switch tests send, and how A reads its outcome.
import assert from 'node:assert/strict';
import { sha256 } from '../../src/crypto/index.js';
import {
  decodeCircuit,
  type IncomingRefusal,
  type SendHtlcRequest,
  SWITCH_KV_NAMESPACE,
} from '../../src/htlcswitch/index.js';
import {
  buildOnion,
  type DecryptedFailure,
  decryptFailure,
  encodeHopPayload,
  type OnionFailure,
} from '../../src/onion/index.js';
import { bytes, type FakeLink, HEIGHT, scid, type TestNode } from './harness.js';

export const AB = scid(700_000, 1);
export const BC = scid(700_000, 2);
export const AMT = 1_000_000n;
export const FEE = 1100n; // B's policy: 1000 msat + 100 ppm
export const FINAL_CLTV = HEIGHT + 40;
export const IN_CLTV = FINAL_CLTV + 80; // B's cltv_expiry_delta

export interface Payment {
  ref: string;
  preimage: Uint8Array;
  paymentHash: Uint8Array;
  onion: Uint8Array;
  sharedSecrets: Uint8Array[];
  amountMsat: bigint;
  cltvExpiry: number;
}

let counter = 0;

/** A keysend from A to C through B over `outScid`, paying `fee` to B. */
export function keysend(b: TestNode, c: TestNode, over: { fee?: bigint; outScid?: bigint } = {}): Payment {
  counter++;
  const preimage = bytes(`preimage ${counter}`);
  const paymentHash = sha256(preimage);
  const { packet, sharedSecrets } = buildOnion(
    [
      {
        nodeId: b.nodeId,
        payload: encodeHopPayload({
          amtToForwardMsat: AMT,
          outgoingCltvValue: FINAL_CLTV,
          shortChannelId: over.outScid ?? BC,
        }),
      },
      {
        nodeId: c.nodeId,
        payload: encodeHopPayload({
          amtToForwardMsat: AMT,
          outgoingCltvValue: FINAL_CLTV,
          keysendPreimage: preimage,
        }),
      },
    ],
    bytes(`session ${counter}`),
    paymentHash,
  );
  return {
    ref: `pay-${counter}`,
    preimage,
    paymentHash,
    onion: packet,
    sharedSecrets,
    amountMsat: AMT + (over.fee ?? FEE),
    cltvExpiry: IN_CLTV,
  };
}

/** What A's payment loop asks its switch for to send `p` over AB. */
export function htlcRequest(p: Payment): SendHtlcRequest {
  return {
    ref: p.ref,
    shortChannelId: AB,
    amountMsat: p.amountMsat,
    cltvExpiry: p.cltvExpiry,
    paymentHash: p.paymentHash,
    onion: p.onion,
  };
}

export async function send(a: TestNode, p: Payment): Promise<void> {
  const r = await a.switch.sendHtlc(htlcRequest(p));
  assert.equal(r.kind, 'sent');
}

/** The failure A received for `p`, decrypted with the route's secrets. */
export function failureAt(a: TestNode, p: Payment): DecryptedFailure {
  const got = a.outcomes.filter((o) => o.ref === p.ref);
  assert.equal(got.length, 1, `expected one outcome for ${p.ref}, got ${got.length}`);
  const o = got[0]!.outcome;
  assert.equal(o.kind, 'failed');
  assert.ok(o.kind === 'failed' && o.failure.kind === 'fail', 'expected an update_fail_htlc reason');
  return decryptFailure(p.sharedSecrets, o.failure.reason, o.failure.attributionData);
}

export function attributed(d: DecryptedFailure, hopIndex: number): OnionFailure {
  assert.equal(d.kind, 'attributed');
  assert.ok(d.kind === 'attributed');
  assert.equal(d.hopIndex, hopIndex);
  assert.ok(d.failure !== undefined, d.decodeError);
  return d.failure;
}

export function fulfilledAt(a: TestNode, p: Payment): Uint8Array | undefined {
  const o = a.outcomes.find((x) => x.ref === p.ref)?.outcome;
  assert.equal(o?.kind, 'fulfilled');
  assert.deepEqual(o?.kind === 'fulfilled' && o.preimage, p.preimage);
  return o?.kind === 'fulfilled' ? o.attributionData : undefined;
}

export async function storedCircuits(n: TestNode) {
  return (await n.store.kv(SWITCH_KV_NAMESPACE).list('c/')).map((e) => decodeCircuit(e.value));
}

/** The failure C's registry gives for a keysend of AMT it does not know, at HEIGHT. */
export const UNKNOWN_DETAILS: OnionFailure = {
  name: 'incorrect_or_unknown_payment_details',
  htlcMsat: AMT,
  height: HEIGHT,
};

/** Flips a bit of byte `at` of each onion `link` passes on; `.onion` is the last one it passed. */
export function corruptOnions(link: FakeLink, at: number): { onion: Uint8Array } {
  const last = { onion: new Uint8Array(0) };
  link.tamper = (onion) => {
    last.onion = Uint8Array.from(onion);
    last.onion[at] = (last.onion[at] as number) ^ 1;
    return last.onion;
  };
  return last;
}

/**
 * `to`'s switch is told again of the first HTLC `from` offered it (as a channel does after a
 * reconnection), with the channel layer's verdict `refuse` if given.
 */
export async function recommitFirst(from: TestNode, to: TestNode, refuse?: IncomingRefusal): Promise<void> {
  const req = from.linkTo(to).offered.get(0n)!;
  await to.switch.incomingHtlcCommitted(to.linkTo(from), {
    id: 0n,
    amountMsat: req.amountMsat,
    cltvExpiry: req.cltvExpiry,
    paymentHash: req.paymentHash,
    onion: req.onion,
    ...(refuse !== undefined ? { refuse } : {}),
  });
}
