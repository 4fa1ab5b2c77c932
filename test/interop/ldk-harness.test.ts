// The LDK test peer checked against itself on the devnet, before it judges ksnode: two LDK nodes
// on one devnet chain. LDK's chain view follows the devnet tip; a channel is funded from a faucet
// coin (built and signed by the harness), confirms, becomes usable and, being public, reaches
// both graphs; keysend with custom records goes both ways (one node with simulated socket
// back-pressure); an unknown even record is refused; a cooperative close and a force close
// confirm on the devnet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Devnet, type DevnetServer, startDevnetServer } from '../../src/chain/devnet/index.js';
import { hashFromHex, hashToHex } from '../../src/chain/index.js';
import { equalBytes, bytesToHex as hex, sha256 } from '../../src/crypto/index.js';
import { type LdkChannel, LdkPeer } from './ldk/client.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const CHANNEL_SAT = 200_000n;
const PUSH_MSAT = 50_000_000n;
const MIN_DEPTH = 3;

let devnet: Devnet;
let server: DevnetServer;
let alice: LdkPeer;
let bob: LdkPeer;
let channel: LdkChannel;

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  devnet = new Devnet({ coinbaseMaturity: 1 });
  devnet.mine(3);
  server = await startDevnetServer({ devnet });
  const common = { esploraUrl: server.url, pollMs: 100, processMs: 100, pmTickMs: 1000, minDepth: MIN_DEPTH };
  // allSettled: if one fails to start, the other is still assigned, so `after` stops it.
  const [a, b] = await Promise.allSettled([
    LdkPeer.start(common),
    LdkPeer.start({ ...common, simulateBackpressure: true }),
  ]);
  if (a.status === 'fulfilled') alice = a.value;
  if (b.status === 'fulfilled') bob = b.value;
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
});

after(async () => {
  await Promise.all([alice?.stop(), bob?.stop()]);
  await server?.close();
});

test('LDK follows the devnet tip', { timeout: 20_000 }, async () => {
  const info = await alice.info();
  assert.equal(info.blockHeight, devnet.tipHeight);
  assert.equal(info.blockHash, hashToHex(devnet.tipHash));
  devnet.mine(2);
  const tip = await alice.sync();
  assert.equal(tip.height, devnet.tipHeight);
  const after = await alice.info();
  assert.equal(after.blockHeight, devnet.tipHeight, 'LDK best block is the new tip');
  assert.equal(after.blockHash, hashToHex(devnet.tipHash));
});

test('a public channel funded from a faucet coin confirms, becomes usable and is announced', {
  timeout: 30_000,
}, async () => {
  await alice.connect(bob.nodeId, '127.0.0.1', bob.port);
  const opened = await alice.openChannel(bob.nodeId, CHANNEL_SAT, { pushMsat: PUSH_MSAT, announce: true });
  const funded = await alice.waitEvent('HarnessFundingGenerated', {}, 0, 15_000);
  const fundingTxid = funded.data.txid as string;
  const pending = await alice.waitEvent('ChannelPending', { userChannelId: opened.userChannelId.toString() });
  assert.deepEqual(pending.data.fundingTxo, { txid: fundingTxid, index: 0 });
  await until(
    async () =>
      (await alice.broadcasts()).some((b) => b.txid === fundingTxid && b.result === 'ok') ? true : undefined,
    'the funding transaction to reach the devnet',
  );
  const inMempool = devnet.getTx(hashFromHex(fundingTxid));
  assert.equal(inMempool?.confirmed, false, 'the devnet accepted the funding transaction');
  assert.equal(inMempool.ptx.tx.outputs[0]?.amount, CHANNEL_SAT);

  devnet.mine(MIN_DEPTH);
  await Promise.all([alice.waitEvent('ChannelReady'), bob.waitEvent('ChannelReady')]);
  const [a] = await alice.channels();
  const [b] = await bob.channels();
  assert.ok(a !== undefined && b !== undefined);
  channel = a;
  assert.equal(a.fundingTxid, fundingTxid);
  assert.equal(a.userChannelId, opened.userChannelId, 'user_channel_id survives the bindings (u128 order)');
  assert.ok(equalBytes(a.channelId, b.channelId));
  assert.equal(a.channelValueSat, CHANNEL_SAT);
  assert.ok(a.isOutbound && !b.isOutbound);
  assert.ok(a.isUsable && b.isUsable);
  assert.ok((a.confirmations ?? 0) >= MIN_DEPTH);
  const loc = devnet.getTx(hashFromHex(fundingTxid));
  assert.ok(loc?.confirmed === true && a.shortChannelId !== null);
  // BOLT 7: the short channel id is block height, transaction index and output index.
  assert.equal(a.shortChannelId >> 40n, BigInt(loc.height));
  assert.equal(b.inboundCapacityMsat + b.outboundCapacityMsat < CHANNEL_SAT * 1000n, true);
  assert.ok(b.outboundCapacityMsat > 0n && b.outboundCapacityMsat <= PUSH_MSAT, 'the push is bob’s');
  assert.ok(a.isAnnounced && b.isAnnounced);

  // BOLT 7: announcement_signatures once the funding has 6 confirmations; then both directions.
  // Between two LDK nodes the peer's channel_update can reach a node just before it builds the
  // channel_announcement itself, and is dropped; LDK re-broadcasts both every 6 blocks, so a few
  // more blocks settle it.
  devnet.mine(6 - MIN_DEPTH);
  const scid = a.shortChannelId.toString();
  const announced = async (node: LdkPeer) => {
    const c = (await node.graph()).channels.find((x) => x.shortChannelId === scid);
    return c?.oneToTwo != null && c.twoToOne != null ? c : undefined;
  };
  for (let extra = 0; extra <= 6; extra++) {
    const done = await until(
      async () => ((await announced(alice)) && (await announced(bob)) ? true : undefined),
      'the channel in both graphs',
      1500,
    ).catch(() => false);
    if (done) break;
    devnet.mine(1);
  }
  for (const node of [alice, bob]) {
    const entry = await announced(node);
    assert.ok(entry !== undefined, 'the channel and both directions are in the graph');
    assert.deepEqual([entry.nodeOne, entry.nodeTwo].sort(), [hex(alice.nodeId), hex(bob.nodeId)].sort());
    // Without a UTXO lookup LDK takes announcements on trust and does not learn the capacity.
    assert.equal(entry.capacitySat, null);
    assert.equal(entry.oneToTwo?.cltvExpiryDelta, 72, 'LDK’s default cltv_expiry_delta');
  }
});

test('keysend with custom records, both ways', { timeout: 30_000 }, async () => {
  const records = new Map([
    [65537n, utf8('hello from alice')],
    [34349334n, utf8('an even record bob knows')],
  ]);
  const sent = await alice.keysend(bob.nodeId, 42_000n, { customRecords: records });
  assert.equal(sent.status, 'succeeded', sent.failure ?? '');
  assert.ok(equalBytes(sent.paymentHash, sha256(sent.preimage)));
  assert.equal(sent.feePaidMsat, 0n, 'a direct channel costs no fee');
  assert.equal(sent.path?.length, 1);
  assert.ok(equalBytes(sent.path![0]!.nodeId, bob.nodeId));
  assert.equal(sent.path![0]!.shortChannelId, channel.shortChannelId);

  await bob.waitEvent('PaymentClaimed', { paymentHash: hex(sent.paymentHash) });
  const got = (await bob.payments()).received.find((p) => equalBytes(p.paymentHash, sent.paymentHash));
  assert.ok(got !== undefined);
  assert.equal(got.status, 'claimed');
  assert.equal(got.purpose, 'spontaneous');
  assert.equal(got.amountMsat, 42_000n);
  assert.ok(got.preimage !== null && equalBytes(got.preimage, sent.preimage));
  assert.deepEqual(new Set(got.customRecords.keys()), new Set(records.keys()));
  assert.ok(equalBytes(got.customRecords.get(65537n)!, utf8('hello from alice')));

  const back = await bob.keysend(alice.nodeId, 1_234_567n, {
    customRecords: new Map([[65539n, utf8('hi')]]),
  });
  assert.equal(back.status, 'succeeded', back.failure ?? '');
  await alice.waitEvent('PaymentClaimed', { paymentHash: hex(back.paymentHash) });
  const gotBack = (await alice.payments()).received.find((p) => equalBytes(p.paymentHash, back.paymentHash));
  assert.equal(gotBack?.amountMsat, 1_234_567n);
  assert.ok(equalBytes(gotBack?.customRecords.get(65539n) ?? new Uint8Array(0), utf8('hi')));

  const stats = (await bob.info()).backpressure;
  assert.ok(stats.partialWrites > 0, 'bob’s sockets took partial writes');
  assert.ok(stats.resumedWrites > 0, 'and LDK resumed them after write_buffer_space_avail');
});

test('an unknown even custom record is refused by the recipient', { timeout: 30_000 }, async () => {
  const sent = await alice.keysend(bob.nodeId, 10_000n, { customRecords: new Map([[65538n, utf8('?')]]) });
  assert.equal(sent.status, 'failed');
  const got = (await bob.payments()).received.find((p) => equalBytes(p.paymentHash, sent.paymentHash));
  assert.equal(got?.status, 'rejected');
  assert.match(got?.reason ?? '', /65538/);
});

test('a cooperative close confirms on the devnet', { timeout: 30_000 }, async () => {
  const fundingTxid = channel.fundingTxid!;
  await alice.closeChannel(channel.channelId, bob.nodeId);
  const closing = await until(async () => {
    const s = devnet.outspend(hashFromHex(fundingTxid), 0);
    return s === undefined ? undefined : s;
  }, 'a transaction spending the funding output');
  devnet.mine(1);
  const [ca, cb] = await Promise.all([alice.waitEvent('ChannelClosed'), bob.waitEvent('ChannelClosed')]);
  assert.match(String(ca.data.reason), /cooperative/i);
  assert.match(String(cb.data.reason), /cooperative/i);
  assert.equal(devnet.getTx(closing.txid)?.confirmed, true);
  assert.deepEqual(await alice.channels(), []);
});

test('a force close by the funder confirms on the devnet', { timeout: 30_000 }, async () => {
  const aliceSince = (await alice.events()).at(-1)?.seq ?? 0;
  const bobSince = (await bob.events()).at(-1)?.seq ?? 0;
  await bob.openChannel(alice.nodeId, 100_000n);
  const funded = await bob.waitEvent('HarnessFundingGenerated', {}, bobSince, 15_000);
  await until(
    async () =>
      (await bob.broadcasts()).some((b) => b.txid === funded.data.txid && b.result === 'ok')
        ? true
        : undefined,
    'the funding transaction to reach the devnet',
  );
  devnet.mine(MIN_DEPTH);
  const ready = await alice.waitEvent('ChannelReady', {}, aliceSince);
  const [c] = await bob.channels();
  assert.ok(c?.isUsable);
  assert.equal(hex(c.channelId), ready.data.channelId);

  await bob.forceClose(c.channelId, alice.nodeId);
  const commitment = await until(async () => {
    const s = devnet.outspend(hashFromHex(c.fundingTxid!), 0);
    return s === undefined ? undefined : s;
  }, 'the commitment transaction');
  devnet.mine(1);
  const [ca, cb] = await Promise.all([
    alice.waitEvent('ChannelClosed', {}, aliceSince),
    bob.waitEvent('ChannelClosed', {}, bobSince),
  ]);
  assert.match(String(cb.data.reason), /user force-closed/);
  assert.match(String(ca.data.reason), /counterparty|force/i);
  assert.equal(
    devnet.getTx(commitment.txid)?.confirmed,
    true,
    'the devnet accepted LDK’s commitment transaction',
  );
});
