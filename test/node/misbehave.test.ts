// test/node/misbehave.test.ts: a misbehaving peer against a real ksnode daemon process, over
// loopback TCP, on the devnet chain. The daemon opens (and funds) one private channel to each of
// several evil-peer identities (test/node/evil-peer.ts runs our own channel machine for the
// peer's side); each channel carries an honest keysend first, so the daemon has revoked
// commitments behind it; then each peer deviates once. For each deviation the daemon must answer
// as BOLT 2 prescribes (and as test/channel/misbehave.test.ts shows of the pure machine): an
// `error` for that channel_id, then its LATEST commitment on the chain (spending the funding
// output; never a revoked one), the channel listed as force-closing; or, for a message before
// channel_reestablish, a `warning`, a closed connection and a channel that lives on. Throughout,
// the daemon keeps running and keeps serving its other peers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChannelFormat } from '../../src/channel/index.js';
import { bytesToHex, equalBytes, hexToBytes, randomBytes, sha256 } from '../../src/crypto/index.js';
import { decodeTx, txidFromHex } from '../../src/tx/index.js';
import type { CommitmentSigned, UpdateAddHtlc, WireMessage } from '../../src/wire/index.js';
import { EvilPeer } from './evil-peer.js';
import { Cluster, channelById, invoice, type NodeProcess, NodeProcess as Proc, waitFor } from './harness.js';

const FUNDING_SAT = 200_000n;
/** The daemon pushes this to each peer, so that the peer has a balance to offer HTLCs from. */
const PUSH_MSAT = 100_000_000n;
/** The daemon accepts at most this many HTLCs from a peer (its --max-accepted-htlcs). */
const MAX_ACCEPTED = 5;
const WARMUP_MSAT = 1_000_000n;
/**
 * The daemon's --max-htlc-in-flight-percent. 49% of the channel (98,000 sat) lies between what a
 * peer can offer and still keep its reserve (97,000 sat: PUSH_MSAT less the warm-up and the 2,000 sat
 * reserve) and its balance (99,000 sat), so that one HTLC can break the in-flight limit alone (the
 * balance check comes first) while the `unaffordable` case still reaches the reserve check (which
 * comes after the in-flight one).
 */
const IN_FLIGHT_PERCENT = 49n;
const utf8 = new TextDecoder();

/** The peers, by the deviation each will commit, and the commitment format of its channel. */
const CASES = {
  badCommitSig: 'static_remotekey',
  badHtlcSig: 'anchors',
  missingHtlcSig: 'static_remotekey',
  badSecret: 'anchors',
  zeroAmount: 'static_remotekey',
  idSkips: 'anchors',
  tooMany: 'static_remotekey',
  overInFlight: 'anchors',
  unaffordable: 'static_remotekey',
  cltvInSeconds: 'anchors',
  unexpectedRevoke: 'static_remotekey',
  unknownFulfill: 'anchors',
  addAfterShutdown: 'static_remotekey',
  beforeReestablish: 'anchors',
  /** Never deviates: the daemon must go on serving it while the others misbehave. */
  honest: 'static_remotekey',
} as const satisfies Record<string, ChannelFormat>;
type CaseName = keyof typeof CASES;
/** The cases that end in a failed channel (all but the warning and the honest peer). */
const FAILING = (Object.keys(CASES) as CaseName[]).filter((n) => n !== 'beforeReestablish' && n !== 'honest');

let cluster: Cluster;
let dave: NodeProcess;
let daveId: Uint8Array;
const peers = new Map<CaseName, EvilPeer>();
/** Every commitment the daemon broadcast, by channel id (checked once more at the end). */
const broadcast = new Map<string, string>();

function peer(name: CaseName): EvilPeer {
  const p = peers.get(name);
  assert.ok(p, `no peer ${name}`);
  return p;
}

/** Connects `p` and has the daemon open (and fund) a private channel to it, up to the funding broadcast. */
async function openTo(p: EvilPeer, format: ChannelFormat): Promise<void> {
  await p.connect(dave);
  await waitFor(`dave sees ${p.name}`, async () => {
    const r = await dave.api<{ peers: { nodeId: string; connected: boolean }[] }>('GET', '/v1/peers');
    return r.peers.some((x) => x.nodeId === p.nodeIdHex && x.connected);
  });
  const r = await dave.api<{ channelId: string }>('POST', '/v1/channels', {
    nodeId: p.nodeIdHex,
    amountSat: FUNDING_SAT.toString(),
    pushMsat: PUSH_MSAT.toString(),
    private: true,
    channelType: format,
  });
  assert.equal(r.channelId, p.channelIdHex, `${p.name}: both sides agree on the channel id`);
  assert.equal(p.s.format, format);
}

/** An honest keysend from `p` to the daemon over their channel, settled and cleared on both sides. */
async function honestKeysend(p: EvilPeer, amountMsat: bigint): Promise<void> {
  const cltvExpiry = cluster.devnet.tipHeight + 144;
  const { paymentHash, onion } = p.keysendOnion(daveId, amountMsat, cltvExpiry);
  p.apply({ kind: 'addHtlc', amountMsat, paymentHash, cltvExpiry, onionRoutingPacket: onion });
  p.apply({ kind: 'signCommitment' });
  await waitFor(`${p.name}'s keysend fulfilled`, () =>
    p.events.some((e) => e.kind === 'htlcFulfilled' && equalBytes(e.paymentHash, paymentHash)),
  );
  await waitFor(`${p.name}'s channel idle`, () => p.idle);
  const inv = await invoice(dave, bytesToHex(paymentHash));
  assert.equal(inv?.state, 'settled');
  assert.equal(inv?.amountReceivedMsat, amountMsat.toString());
  await waitFor(`dave has no HTLC with ${p.name}`, async () => {
    const c = await channelById(dave, p.channelIdHex);
    return c?.pendingHtlcs === 0 && c.active;
  });
}

before(
  async () => {
    cluster = await Cluster.start();
    await withLogs(() => setUp());
  },
  { timeout: 120_000 },
);

/** Dave, his channels to every peer (open, confirmed, reestablished) and one honest keysend each. */
async function setUp(): Promise<void> {
  dave = await Proc.spawn('dave', cluster.chainUrl, {
    flags: {
      'max-accepted-htlcs': String(MAX_ACCEPTED),
      'to-self-delay': '6',
      'max-htlc-in-flight-percent': String(IN_FLIGHT_PERCENT),
    },
  });
  cluster.nodes.push(dave);
  daveId = hexToBytes(dave.nodeId);
  const names = Object.keys(CASES) as CaseName[];
  await cluster.fundCoins(dave, FUNDING_SAT + 20_000n, names.length);
  for (const n of names) peers.set(n, new EvilPeer(n, cluster.devnet));
  await Promise.all(names.map((n) => openTo(peer(n), CASES[n])));
  // The funding transactions confirm; each side sends channel_ready at its minimum depth (3).
  cluster.mine(3);
  for (const n of names) assert.equal(peer(n).confirmFunding(), 3);
  await waitFor('every channel normal on the peers', () => names.every((n) => peer(n).s.phase === 'normal'));
  await waitFor('every channel active on dave', async () => {
    const r = await dave.api<{ channels: { channelId: string; active: boolean }[] }>('GET', '/v1/channels');
    return names.every((n) => r.channels.some((c) => c.channelId === peer(n).channelIdHex && c.active));
  });
  await Promise.all(names.map((n) => honestKeysend(peer(n), WARMUP_MSAT)));
  for (const n of names) {
    const p = peer(n);
    assert.deepEqual(p.problems, []);
    // The keysend moved the daemon's commitment on at least twice: the earlier ones are revoked.
    assert.ok(p.daemonCommitTxids.length >= 3, `${n}: ${p.daemonCommitTxids.length} daemon commitments`);
  }
}

after(async () => {
  for (const p of peers.values()) await p.disconnect().catch(() => undefined);
  await cluster?.close();
});

/** The API prints txids in display order (reversed, as explorers do); the test keeps internal order. */
function internalTxid(apiHex: string): string {
  return bytesToHex(txidFromHex(apiHex));
}

/** Runs a case; on failure the daemon's log tail goes into the message. */
async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    throw new Error(`${(e as Error).stack ?? String(e)}\n${cluster.logs()}`);
  }
}

/**
 * The daemon failed the channel as the sender of an error must (BOLT 1: "when sending `error`:"
 * ... "MUST fail the channel(s) referred to by the error message."): it sent `error` for this
 * channel (naming `reason`), then published its latest commitment transaction, `expectedTxid`
 * (BOLT 2: "MUST NOT broadcast old (revoked) commitment transactions"), spending the funding
 * output; it lists the channel as force-closing and is still running.
 */
async function assertForceClosed(p: EvilPeer, from: number, expectedTxid: string, reason: RegExp) {
  const err = await p.peer.waitFor('error', from);
  assert.equal(bytesToHex(err.channelId), p.channelIdHex, 'the error names the channel');
  assert.match(utf8.decode(err.data), reason);
  const revoked = p.daemonCommitTxids.slice(0, p.daemonCommitTxids.indexOf(expectedTxid));
  assert.ok(revoked.length >= 2, 'the daemon has revoked commitments it could have broadcast');
  const c = await waitFor(`dave force-closes ${p.name}'s channel`, async () => {
    const c = await channelById(dave, p.channelIdHex);
    return c?.closingTxid ? c : undefined;
  });
  assert.equal(c.status, 'closing');
  assert.equal(c.state, 'forceClosing');
  const closingTxid = internalTxid(c.closingTxid!);
  assert.ok(!revoked.includes(closingTxid), 'the daemon broadcast a revoked commitment');
  assert.equal(closingTxid, expectedTxid, "the broadcast is the daemon's latest commitment");
  // On the chain: in the devnet's mempool (so its signatures verified), spending the funding output.
  const op = p.s.fundingOutpoint!;
  const spender = await waitFor('the commitment spends the funding output', () =>
    cluster.devnet.outspend(op.txid, op.index),
  );
  assert.equal(bytesToHex(spender.txid), expectedTxid);
  const loc = cluster.devnet.getTx(hexToBytes(expectedTxid));
  assert.ok(loc !== undefined && !loc.confirmed, 'the commitment waits in the mempool');
  const tx = decodeTx(loc.ptx.raw);
  assert.ok(tx.ok);
  assert.equal(tx.value.inputs.length, 1);
  assert.ok(equalBytes(tx.value.inputs[0]!.prevout.txid, op.txid));
  assert.equal(tx.value.inputs[0]!.prevout.index, op.index);
  assert.ok(dave.running, 'dave is still running');
  assert.deepEqual(p.problems, []);
  broadcast.set(p.channelIdHex, expectedTxid);
}

function randomOnion(): Uint8Array {
  const o = new Uint8Array(1366);
  o.set(randomBytes(65), 1);
  return o;
}

/** An update_add_htlc as the peer's next HTLC, with `patch` applied (sent raw: the machine would refuse). */
function rawAdd(p: EvilPeer, patch: Partial<UpdateAddHtlc> = {}): UpdateAddHtlc {
  return {
    kind: 'update_add_htlc',
    channelId: p.s.channelId!,
    id: p.s.localNextHtlcId,
    amountMsat: 1_000_000n,
    paymentHash: sha256(randomBytes(32)),
    cltvExpiry: cluster.devnet.tipHeight + 100,
    onionRoutingPacket: randomOnion(),
    ...patch,
  };
}

/** The peer offers an HTLC and signs the daemon's next commitment, `rewrite` changing the signature. */
function addAndSign(p: EvilPeer, amountMsat: bigint, rewrite: (cs: CommitmentSigned) => CommitmentSigned) {
  p.apply({
    kind: 'addHtlc',
    amountMsat,
    paymentHash: sha256(randomBytes(32)),
    cltvExpiry: cluster.devnet.tipHeight + 100,
    onionRoutingPacket: randomOnion(),
  });
  p.apply({ kind: 'signCommitment' }, (m: WireMessage) => (m.kind === 'commitment_signed' ? rewrite(m) : m));
}

test(
  'commitment_signed with an invalid signature: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('badCommitSig');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      addAndSign(p, 5_000_000n, (cs) => {
        const signature = Uint8Array.from(cs.signature);
        signature[10]! ^= 1;
        return { ...cs, signature };
      });
      // BOLT 2: "if `signature` is not valid for its local commitment transaction" ... "send an `error` and fail the channel."
      await assertForceClosed(p, from, latest, /invalid signature/);
    }),
);

test(
  'commitment_signed with an invalid HTLC signature: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('badHtlcSig');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      addAndSign(p, 9_000_000n, (cs) => {
        assert.equal(cs.htlcSignature.length, 1, 'one HTLC output, one HTLC signature');
        return { ...cs, htlcSignature: [Uint8Array.from(cs.htlcSignature[0]!).fill(3, 40, 44)] };
      });
      // BOLT 2: "if any `htlc_signature` is not valid for the corresponding HTLC transaction" ... "send an `error` and fail the channel."
      await assertForceClosed(p, from, latest, /HTLC signature 0/);
    }),
);

test(
  'commitment_signed missing its HTLC signature: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('missingHtlcSig');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      addAndSign(p, 9_000_000n, (cs) => ({ ...cs, htlcSignature: [] }));
      // BOLT 2: "if `num_htlcs` is not equal to the number of HTLC outputs in the local commitment transaction"
      await assertForceClosed(p, from, latest, /expected 1 HTLC signatures/);
    }),
);

test(
  'revoke_and_ack with a wrong per_commitment_secret: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('badSecret');
      const from = p.peer.received.length;
      // The peer adds and signs honestly; the daemon revokes and signs the peer's new commitment;
      // the peer's revocation in answer carries a wrong secret.
      p.rewrite = (m) =>
        m.kind === 'revoke_and_ack' ? { ...m, perCommitmentSecret: new Uint8Array(32).fill(1) } : m;
      p.apply({
        kind: 'addHtlc',
        amountMsat: 9_000_000n,
        paymentHash: sha256(randomBytes(32)),
        cltvExpiry: cluster.devnet.tipHeight + 100,
        onionRoutingPacket: randomOnion(),
      });
      p.apply({ kind: 'signCommitment' });
      await p.peer.waitFor('commitment_signed', from);
      // The daemon revoked the commitment before: its latest now holds the peer's HTLC.
      const latest = p.daemonLatestTxid;
      assert.equal(p.s.remoteCommit!.spec.htlcs.length, 1);
      // BOLT 2: "if `per_commitment_secret` is not a valid secret key or does not generate the previous `per_commitment_point`:" ... "MUST send an `error` and fail the channel."
      await assertForceClosed(p, from, latest, /secret does not match/);
    }),
);

test(
  'update_add_htlc with amount 0 (below htlc_minimum_msat): error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('zeroAmount');
      assert.equal(p.openChannel!.htlcMinimumMsat, 1n, "the daemon's htlc_minimum_msat");
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      p.sendRaw(rawAdd(p, { amountMsat: 0n }));
      // BOLT 2: "receiving an `amount_msat` equal to 0, OR less than its own `htlc_minimum_msat`:"
      await assertForceClosed(p, from, latest, /below our htlc_minimum_msat/);
    }),
);

test(
  'update_add_htlc with a non-sequential id: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('idSkips');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      const next = p.s.localNextHtlcId;
      assert.equal(next, 1n, 'the warm-up keysend was HTLC 0');
      p.sendRaw(rawAdd(p, { id: next + 1n }));
      // BOLT 2: "if other `id` violations occur:" ... "send an `error` and fail the channel."
      await assertForceClosed(p, from, latest, /id 2, expected 1/);
    }),
);

test(
  'more update_add_htlc than max_accepted_htlcs: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('tooMany');
      assert.equal(p.openChannel!.maxAcceptedHtlcs, MAX_ACCEPTED, "the daemon's max_accepted_htlcs");
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      const first = p.s.localNextHtlcId;
      for (let i = 0n; i <= BigInt(MAX_ACCEPTED); i++) p.sendRaw(rawAdd(p, { id: first + i }));
      // BOLT 2: "if a sending node adds more than receiver `max_accepted_htlcs` HTLCs to its local commitment transaction"
      await assertForceClosed(
        p,
        from,
        latest,
        new RegExp(`more than our max_accepted_htlcs ${MAX_ACCEPTED}`),
      );
    }),
);

test(
  'update_add_htlc above max_htlc_value_in_flight_msat: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('overInFlight');
      const inFlight = p.openChannel!.maxHtlcValueInFlightMsat;
      // The daemon's open_channel followed its --max-htlc-in-flight-percent.
      assert.equal(inFlight, (FUNDING_SAT * 1000n * IN_FLIGHT_PERCENT) / 100n, "the daemon's limit");
      assert.equal(inFlight, 98_000_000n);
      // One msat over the limit, yet within the peer's balance: only the in-flight check can refuse it.
      const amountMsat = inFlight + 1n;
      assert.ok(amountMsat <= p.s.localCommit!.spec.toLocalMsat, 'the peer has the balance for it');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      p.sendRaw(rawAdd(p, { amountMsat }));
      // BOLT 2: "adds more than receiver `max_htlc_value_in_flight_msat` worth of offered HTLCs to its local commitment transaction:"
      await assertForceClosed(p, from, latest, /more than our max_htlc_value_in_flight_msat 98000000\b/);
    }),
);

test(
  'update_add_htlc the peer cannot afford with its reserve: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('unaffordable');
      const balanceMsat = p.s.localCommit!.spec.toLocalMsat;
      assert.equal(balanceMsat, PUSH_MSAT - WARMUP_MSAT);
      const reserveMsat = p.s.remote!.channelReserveSat * 1000n;
      assert.equal(reserveMsat, p.openChannel!.channelReserveSatoshis * 1000n);
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      // Within the balance and the in-flight limit, but leaving 1 msat less than the reserve the
      // daemon asked for.
      const amountMsat = balanceMsat - reserveMsat + 1n;
      assert.ok(amountMsat <= p.openChannel!.maxHtlcValueInFlightMsat, 'within the in-flight limit');
      p.sendRaw(rawAdd(p, { amountMsat }));
      // BOLT 2: "(while maintaining its channel reserve and any `to_local_anchor` and `to_remote_anchor` costs)"
      await assertForceClosed(p, from, latest, /cannot afford with its reserve/);
    }),
);

test(
  'update_add_htlc with cltv_expiry in seconds: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('cltvInSeconds');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      p.sendRaw(rawAdd(p, { cltvExpiry: 500_000_000 }));
      // BOLT 2: "if sending node sets `cltv_expiry` to greater or equal to 500000000:"
      await assertForceClosed(p, from, latest, /cltv_expiry is not a block height/);
    }),
);

test(
  'revoke_and_ack without a pending commitment: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('unexpectedRevoke');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      p.sendRaw({
        kind: 'revoke_and_ack',
        channelId: p.s.channelId!,
        perCommitmentSecret: new Uint8Array(32).fill(1),
        nextPerCommitmentPoint: p.s.local.fundingPubkey,
      });
      await assertForceClosed(p, from, latest, /unexpected revoke_and_ack/);
    }),
);

test(
  'update_fulfill_htlc for an unknown HTLC id: error, latest commitment broadcast',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('unknownFulfill');
      const latest = p.daemonLatestTxid;
      const from = p.peer.received.length;
      p.sendRaw({
        kind: 'update_fulfill_htlc',
        channelId: p.s.channelId!,
        id: 7n,
        paymentPreimage: randomBytes(32),
      });
      // BOLT 2: "if the `id` does not correspond to an HTLC in its current commitment transaction:"
      await assertForceClosed(p, from, latest, /unknown HTLC 7/);
    }),
);

test('update_add_htlc after shutdown: error, latest commitment broadcast', { timeout: 30_000 }, () =>
  withLogs(async () => {
    const p = peer('addAfterShutdown');
    const latest = p.daemonLatestTxid;
    const from = p.peer.received.length;
    // The peer stops answering (it will not sign a closing transaction), sends shutdown, then adds.
    p.auto = false;
    const r = p.apply({ kind: 'closeChannel' });
    assert.deepEqual(
      r.outbound.map((m) => m.kind),
      ['shutdown'],
    );
    // BOLT 2: "MUST NOT send an `update_add_htlc` after a `shutdown`."
    p.sendRaw(rawAdd(p));
    await assertForceClosed(p, from, latest, /update_add_htlc after shutdown/);
  }),
);

test(
  'a channel message before channel_reestablish: warning, connection closed, channel unharmed',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      const p = peer('beforeReestablish');
      await p.disconnect();
      await waitFor('dave sees the channel inactive', async () => {
        const c = await channelById(dave, p.channelIdHex);
        return c?.active === false;
      });
      p.auto = false;
      const raw = await p.connect(dave, { reestablish: false });
      // The daemon reestablishes first; the peer ignores that and offers an HTLC instead.
      await raw.waitFor('channel_reestablish');
      p.sendRaw(rawAdd(p));
      // BOLT 2: "MUST wait to receive the other node's `channel_reestablish` message before sending any other messages for that channel."
      const w = await raw.waitFor('warning');
      assert.equal(bytesToHex(w.channelId), p.channelIdHex);
      assert.match(utf8.decode(w.data), /before channel_reestablish/);
      assert.ok(!raw.received.some((m) => m.kind === 'error'), 'no error: the channel is not failed');
      const closed = await raw.waitClosed(10_000);
      assert.equal(closed.kind, 'remote', 'the daemon closed the connection after its warning');
      const c = await channelById(dave, p.channelIdHex);
      assert.equal(c?.status, 'open');
      assert.equal(c?.state, 'normal');
      assert.equal(c?.closingTxid, null);
      assert.equal(c?.pendingHtlcs, 0, 'the HTLC sent before reestablishment was not taken');
      const op = p.s.fundingOutpoint!;
      assert.equal(cluster.devnet.outspend(op.txid, op.index), undefined, 'nothing spends the funding');

      // Reconnected properly, the channel carries payments again.
      await p.disconnect();
      p.auto = true;
      await p.connect(dave);
      await waitFor('reestablished', () => p.s.connection === 'active');
      await waitFor('active on dave', async () => (await channelById(dave, p.channelIdHex))?.active === true);
      await honestKeysend(p, 2_000_000n);
      assert.deepEqual(p.problems, []);
    }),
);

test(
  'dave kept serving: every failed channel is closing with its commitment confirmed, no errors logged',
  {
    timeout: 30_000,
  },
  () =>
    withLogs(async () => {
      assert.ok(dave.running);
      const info = await dave.api<{ nodeId: string }>('GET', '/v1/info');
      assert.equal(info.nodeId, dave.nodeId);
      assert.deepEqual(
        [...broadcast.keys()].sort(),
        FAILING.map((n) => peer(n).channelIdHex).sort(),
        'every failing case broadcast',
      );
      // The peer that never deviated, and the one that was only warned, are served as before.
      await Promise.all([
        honestKeysend(peer('honest'), 3_000_000n),
        honestKeysend(peer('beforeReestablish'), 3_000_000n),
      ]);
      cluster.mine(1);
      for (const [channelId, txid] of broadcast) {
        const loc = cluster.devnet.getTx(hexToBytes(txid));
        assert.ok(loc?.confirmed, `the commitment of ${channelId.slice(0, 8)} confirmed`);
        const c = await channelById(dave, channelId);
        assert.equal(internalTxid(c!.closingTxid!), txid);
        assert.notEqual(c?.status, 'open');
      }
      for (const n of ['honest', 'beforeReestablish'] as const) {
        const alive = await channelById(dave, peer(n).channelIdHex);
        assert.equal(alive?.status, 'open', n);
        assert.equal(alive?.active, true, n);
        assert.equal(alive?.closingTxid, null, n);
        assert.deepEqual(peer(n).problems, [], n);
      }
      assert.deepEqual(dave.errorLines, [], 'dave logged no errors');
    }),
);
