// test/store/crash-model.ts: what the crash child writes for update number `seq`, and the check
// that a store holds exactly updates 1..n, each whole.
import assert from 'node:assert/strict';
import { sha256 } from '../../src/crypto/index.js';
import type { ChannelWrite, HtlcWrite, PaymentCreate, Store } from '../../src/store/index.js';
import { hashOf, nodeId, T0 } from './fixtures.js';

export const CRASH_CHANNEL_ID = hashOf('crash channel');
export const HTLCS_PER_UPDATE = 3;
const CAPACITY_MSAT = 1_000_000_000n;
const STEP_MSAT = 1_000n;

function seqBytes(seq: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(seq));
  return b;
}

export function crashChannel(seq: number): ChannelWrite {
  return {
    channelId: CRASH_CHANNEL_ID,
    peerNodeId: nodeId(7),
    shortChannelId: 800_000n << 40n,
    state: 'normal',
    fundingTxid: hashOf('crash funding'),
    fundingOutputIndex: 0,
    capacitySat: CAPACITY_MSAT / 1000n,
    localBalanceMsat: CAPACITY_MSAT - BigInt(seq) * STEP_MSAT,
    remoteBalanceMsat: BigInt(seq) * STEP_MSAT,
    data: sha256(seqBytes(seq)),
    updatedAt: T0 + seq,
  };
}

export function crashHtlc(seq: number, k: number): HtlcWrite {
  return {
    channelId: CRASH_CHANNEL_ID,
    direction: 'offered',
    htlcId: BigInt((seq - 1) * HTLCS_PER_UPDATE + k),
    paymentHash: crashPaymentHash(seq),
    amountMsat: STEP_MSAT,
    cltvExpiry: 800_000 + seq,
    state: 'committed',
    onion: new Uint8Array(1366).fill(seq & 0xff),
    preimage: null,
    failure: null,
    updatedAt: T0 + seq,
  };
}

export function crashPaymentHash(seq: number): Uint8Array {
  return sha256(new TextEncoder().encode(`crash payment ${seq}`));
}

export function crashPayment(seq: number): PaymentCreate {
  return {
    paymentHash: crashPaymentHash(seq),
    idempotencyKey: `crash-${seq}`,
    destination: nodeId(7),
    amountMsat: STEP_MSAT,
    createdAt: T0 + seq,
  };
}

/** Asserts the store holds updates 1..n completely and nothing else; returns n. */
export async function committedUpdates(store: Store): Promise<number> {
  const ch = await store.channels.get(CRASH_CHANNEL_ID);
  const n = ch?.version ?? 0;
  if (ch !== undefined) {
    const want = crashChannel(n);
    assert.equal(ch.localBalanceMsat, want.localBalanceMsat, 'channel balance matches its version');
    assert.equal(ch.remoteBalanceMsat, want.remoteBalanceMsat);
    assert.deepEqual(ch.data, want.data, 'channel data matches its version');
  }
  const htlcs = await store.htlcs.listByChannel(CRASH_CHANNEL_ID);
  assert.deepEqual(
    htlcs.map((h) => h.htlcId),
    Array.from({ length: n * HTLCS_PER_UPDATE }, (_, i) => BigInt(i)),
    `exactly the HTLCs of updates 1..${n}`,
  );
  const payments = await store.payments.list({ limit: 1_000_000 });
  assert.deepEqual(
    payments.map((p) => p.idempotencyKey),
    Array.from({ length: n }, (_, i) => `crash-${i + 1}`),
    `exactly the payments of updates 1..${n}`,
  );
  const marks = await store.kv('crash').list();
  assert.equal(marks.length, n, `exactly the kv marks of updates 1..${n}`);
  return n;
}
