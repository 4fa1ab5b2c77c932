// test/store/fixtures.ts: small builders for store records; each index gives distinct keys.
import { concatBytes, sha256 } from '../../src/crypto/index.js';
import type {
  ChannelWrite,
  ForwardCreate,
  HtlcWrite,
  InvoiceCreate,
  PaymentCreate,
} from '../../src/store/index.js';

export const T0 = 1_700_000_000_000;

export function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

export function hashOf(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(label));
}

export function nodeId(i: number): Uint8Array {
  return concatBytes(new Uint8Array([2]), hashOf(`node ${i}`));
}

export function channel(i: number, over: Partial<ChannelWrite> = {}): ChannelWrite {
  return {
    channelId: hashOf(`channel ${i}`),
    peerNodeId: nodeId(i),
    shortChannelId: (800_000n << 40n) | (BigInt(i) << 16n),
    state: 'normal',
    fundingTxid: hashOf(`funding ${i}`),
    fundingOutputIndex: i,
    capacitySat: 1_000_000n,
    localBalanceMsat: 600_000_000n,
    remoteBalanceMsat: 400_000_000n,
    data: new Uint8Array([i & 0xff, 1, 2, 3]),
    updatedAt: T0 + i,
    ...over,
  };
}

export function htlc(channelIndex: number, htlcId: bigint, over: Partial<HtlcWrite> = {}): HtlcWrite {
  return {
    channelId: hashOf(`channel ${channelIndex}`),
    direction: 'offered',
    htlcId,
    paymentHash: hashOf(`payment ${channelIndex}/${htlcId}`),
    amountMsat: 1000n + (htlcId % 1000n),
    cltvExpiry: 800_144,
    state: 'pending',
    onion: filled(1366, 7),
    preimage: null,
    failure: null,
    updatedAt: T0,
    ...over,
  };
}

export function payment(i: number, over: Partial<PaymentCreate> = {}): PaymentCreate {
  return {
    paymentHash: hashOf(`payment ${i}`),
    idempotencyKey: `idem-${i}`,
    destination: nodeId(i),
    amountMsat: 50_000n + BigInt(i),
    createdAt: T0 + i,
    ...over,
  };
}

export function invoice(i: number, over: Partial<InvoiceCreate> = {}): InvoiceCreate {
  return {
    paymentHash: hashOf(`invoice ${i}`),
    preimage: hashOf(`preimage ${i}`),
    amountMsat: 10_000n * BigInt(i + 1),
    keysend: false,
    bolt11: `lnbcrt${i}n1fake`,
    memo: `coffee #${i}`,
    expiresAt: T0 + 3_600_000,
    createdAt: T0 + i,
    ...over,
  };
}

export function forward(i: number, over: Partial<ForwardCreate> = {}): ForwardCreate {
  return {
    paymentHash: hashOf(`forward ${i}`),
    incomingChannelId: hashOf('channel 1'),
    incomingHtlcId: BigInt(i),
    outgoingChannelId: hashOf('channel 2'),
    outgoingHtlcId: null,
    incomingAmountMsat: 100_500n,
    outgoingAmountMsat: 100_000n,
    createdAt: T0 + i,
    ...over,
  };
}
