// Random two-way HTLC traffic over a Harness: adds, fulfills and failures at random, commitments
// signed at random moments so that they cross, messages delivered in random bursts, and optional
// disconnections at random points. Tracks what each side should end up with, to the msat.
import assert from 'node:assert/strict';
import { type ChannelEvent, needsSignature } from '../../src/channel/index.js';
import { bytesToHex, sha256 } from '../../src/crypto/index.js';
import { assertConserved, type Harness, type Node, onion, type Rng } from './harness.js';

export interface TrafficOptions {
  htlcsEachWay: number;
  /** Largest HTLC amount in msat. */
  maxAmountMsat: bigint;
  /** Probability per iteration of a disconnection (and reconnection). */
  disconnectRate: number;
  /** Probability that an incoming HTLC is failed rather than fulfilled. */
  failRate: number;
  /** Probability (when picked) that the funder sends update_fee. */
  feeUpdateRate: number;
}

export interface TrafficReport {
  offered: { a: number; b: number };
  rejectedAdds: number;
  fulfilled: number;
  failed: number;
  disconnects: number;
  feeUpdates: number;
  /** Net msat moved from a to b by fulfilled HTLCs. */
  aToBMsat: bigint;
}

interface Incoming {
  id: bigint;
  paymentHash: Uint8Array;
  amountMsat: bigint;
}

export function runTraffic(h: Harness, rng: Rng, o: TrafficOptions): TrafficReport {
  const preimages = new Map<string, Uint8Array>();
  const incoming = new Map<Node, Incoming[]>([
    [h.a, []],
    [h.b, []],
  ]);
  const seen = new Map<Node, number>([
    [h.a, h.a.events.length],
    [h.b, h.b.events.length],
  ]);
  const offered = new Map<Node, number>([
    [h.a, 0],
    [h.b, 0],
  ]);
  const outcome = new Map<string, 'fulfilled' | 'failed'>(); // key: sender name + id
  let rejectedAdds = 0;
  let disconnects = 0;
  let feeUpdates = 0;
  let aToBMsat = 0n;
  const report = (): TrafficReport => ({
    offered: { a: offered.get(h.a)!, b: offered.get(h.b)! },
    rejectedAdds,
    fulfilled: [...outcome.values()].filter((x) => x === 'fulfilled').length,
    failed: [...outcome.values()].filter((x) => x === 'failed').length,
    disconnects,
    feeUpdates,
    aToBMsat,
  });

  /** Reads new events of a node: incoming HTLCs to settle, outcomes of outgoing ones. */
  const absorb = (n: Node) => {
    const from = seen.get(n)!;
    const evs: ChannelEvent[] = n.events.slice(from);
    seen.set(n, n.events.length);
    for (const e of evs) {
      if (e.kind === 'htlcAdded') {
        incoming.get(n)!.push({ id: e.htlcId, paymentHash: e.paymentHash, amountMsat: e.amountMsat });
      } else if (e.kind === 'htlcFulfilled' || e.kind === 'htlcFailed') {
        const key = `${n.config.name}:${e.htlcId}`;
        const what = e.kind === 'htlcFulfilled' ? 'fulfilled' : 'failed';
        const before = outcome.get(key);
        assert.ok(before === undefined || before === what, `HTLC ${key} both fulfilled and failed`);
        if (before === undefined && what === 'fulfilled')
          aToBMsat += n === h.a ? e.amountMsat : -e.amountMsat;
        outcome.set(key, what);
      }
    }
  };
  const check = () => {
    for (const n of [h.a, h.b]) {
      assert.deepEqual(n.failures, [], `${n.config.name} failed: ${JSON.stringify(n.failures)}`);
      assertConserved(n.s);
      absorb(n);
    }
  };

  /** Whether `n` can hardly offer anything: its balance is within one max-size HTLC of its reserve. */
  const starved = (n: Node) => {
    const s = n.s;
    return s.localCommit!.spec.toLocalMsat - s.remote!.channelReserveSat * 1000n < o.maxAmountMsat;
  };

  const tryAdd = (n: Node) => {
    const preimage = rng.bytes(32);
    const paymentHash = sha256(preimage);
    const amountMsat = rng.big(1n, o.maxAmountMsat);
    const r = h.apply(n, {
      kind: 'addHtlc',
      amountMsat,
      paymentHash,
      cltvExpiry: h.height + 40 + rng.int(100),
      onionRoutingPacket: onion(rng),
    });
    if (r.rejected !== undefined) {
      rejectedAdds++;
      n.rejections.pop();
      return;
    }
    preimages.set(bytesToHex(paymentHash), preimage);
    offered.set(n, offered.get(n)! + 1);
  };

  const resolveOne = (n: Node, index: number) => {
    const list = incoming.get(n)!;
    const htlc = list[index]!;
    const fail = rng.chance(o.failRate);
    const r = fail
      ? h.apply(n, { kind: 'failHtlc', htlcId: htlc.id, reason: rng.bytes(1 + rng.int(300)) })
      : h.apply(n, {
          kind: 'fulfillHtlc',
          htlcId: htlc.id,
          paymentPreimage: preimages.get(bytesToHex(htlc.paymentHash))!,
        });
    assert.equal(r.rejected, undefined, r.rejected?.message);
    list.splice(index, 1);
  };

  const deliverSome = () => {
    const n = rng.chance(0.5) ? h.a : h.b;
    const k = 1 + rng.int(3);
    for (let i = 0; i < k; i++) h.deliver(n);
  };

  const reconnectCycle = () => {
    disconnects++;
    h.disconnect();
    h.reconnect();
  };

  const target = o.htlcsEachWay;
  while (offered.get(h.a)! < target || offered.get(h.b)! < target) {
    const n = rng.chance(0.5) ? h.a : h.b;
    const x = rng.int(100);
    if (x < 14) {
      // A side that is done keeps paying while the other is starved of funds, so both finish.
      const other = h.other(n);
      if (offered.get(n)! < target || (offered.get(other)! < target && starved(other))) tryAdd(n);
    } else if (x < 44) {
      const list = incoming.get(n)!;
      if (list.length > 0) resolveOne(n, rng.int(list.length));
    } else if (x < 58) {
      if (needsSignature(n.s)) h.apply(n, { kind: 'signCommitment' });
    } else if (x < 60) {
      // The funder moves the feerate now and then; the fundee's attempt is refused.
      if (rng.chance(o.feeUpdateRate) && n.s.isFunder) {
        const r = h.apply(n, { kind: 'updateFee', feeratePerKw: 253 + rng.int(4000) });
        if (r.rejected !== undefined) n.rejections.pop();
        else feeUpdates++;
      }
    } else {
      deliverSome();
    }
    if (o.disconnectRate > 0 && rng.chance(o.disconnectRate)) reconnectCycle();
    check();
  }
  // Drain: settle everything, sign until both sides are quiet.
  for (let round = 0; round < 10_000; round++) {
    check();
    let busy = false;
    for (const n of [h.a, h.b]) {
      while (incoming.get(n)!.length > 0) {
        resolveOne(n, 0);
        busy = true;
      }
      if (needsSignature(n.s)) {
        h.apply(n, { kind: 'signCommitment' });
        busy = true;
      }
    }
    if (h.a.inbox.length + h.b.inbox.length > 0) {
      deliverSome();
      busy = true;
    }
    if (!busy) break;
  }
  check();
  for (const n of [h.a, h.b]) {
    assert.equal(n.s.localCommit!.spec.htlcs.length, 0, `${n.config.name} still has HTLCs`);
    assert.equal(n.s.remoteCommit!.spec.htlcs.length, 0);
  }
  const r = report();
  assert.equal(r.fulfilled + r.failed, r.offered.a + r.offered.b, 'every HTLC ends fulfilled or failed');
  return r;
}
