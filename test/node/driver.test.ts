// test/node/driver.test.ts: the channel driver between two in-process nodes (real Store on SQLite,
// real wallets and chain watchers on an in-process devnet, peers wired directly). Checks that
// every channel message leaves only after the state it comes from is stored, that HTLC origins and
// undelivered resolutions survive a restart, and that messages for unknown channels get an error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Devnet, DevnetBackend } from '../../src/chain/devnet/index.js';
import { addressToScript, ChainWatcher } from '../../src/chain/index.js';
import {
  ChannelDriver,
  type ChannelDriverListener,
  type ChannelSnapshot,
  type CommittedIncomingHtlc,
  DEFAULT_POLICY,
  DRIVER_KV,
  deserializeChannel,
  type OutgoingResolution,
  policyWith,
  serializeChannel,
} from '../../src/channel/index.js';
import { bytesToHex, equalBytes, randomBytes, sha256 } from '../../src/crypto/index.js';
import { chainHashOf } from '../../src/node/chain-hash.js';
import { OUR_INIT_FEATURES } from '../../src/peer/index.js';
import { openStore, type Store, type StoreTx } from '../../src/store/index.js';
import {
  KeyManager,
  MemoryKeyValueStore,
  mnemonicFromEntropy,
  seedFromMnemonic,
  Wallet,
} from '../../src/wallet/index.js';
import type { WireMessage } from '../../src/wire/index.js';
import { waitFor } from './harness.js';

const CHAIN_HASH = chainHashOf('regtest');
const POLICY = policyWith({ minimumDepth: 1 });

/**
 * A Store whose channel writes are remembered as they commit: what is durable, per channel, how
 * many transactions wrote a channel, and how many outbox entries each transaction that forgot
 * some forgot.
 */
function recordingStore(inner: Store, durable: Map<string, Uint8Array>, writes: Writes): Store {
  const wrapTx = (tx: StoreTx, pending: Map<string, Uint8Array>, forgotten: { count: number }): StoreTx =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop === 'kv')
          return (namespace: string) => {
            const kv = target.kv(namespace);
            if (namespace !== DRIVER_KV.outbox) return kv;
            return new Proxy(kv, {
              get(k, name, r) {
                if (name !== 'delete') return Reflect.get(k, name, r);
                return (key: string) => {
                  forgotten.count++;
                  return k.delete(key);
                };
              },
            });
          };
        if (prop !== 'channels') return Reflect.get(target, prop, receiver);
        const channels = target.channels;
        return {
          ...channels,
          get: channels.get.bind(channels),
          getByShortChannelId: channels.getByShortChannelId.bind(channels),
          list: channels.list.bind(channels),
          upsert: async (w: Parameters<typeof channels.upsert>[0], v: number) => {
            const r = await channels.upsert(w, v);
            pending.set(bytesToHex(w.channelId), w.data);
            return r;
          },
        };
      },
    });
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
      return async <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => {
        const pending = new Map<string, Uint8Array>();
        const forgotten = { count: 0 };
        const r = await target.transaction((tx) => fn(wrapTx(tx, pending, forgotten)));
        for (const [k, v] of pending) durable.set(k, v);
        if (pending.size > 0) writes.count += 1;
        if (forgotten.count > 0) writes.outboxForgotten.push(forgotten.count);
        return r;
      };
    },
  });
}

interface Writes {
  count: number;
  outboxForgotten: number[];
}

interface Side {
  name: string;
  dir: string;
  store: Store;
  durable: Map<string, Uint8Array>;
  writes: Writes;
  keys: KeyManager;
  watcher: ChainWatcher;
  wallet: Wallet;
  driver: ChannelDriver;
  incoming: { channel: ChannelSnapshot; htlc: CommittedIncomingHtlc }[];
  resolved: OutgoingResolution[];
  /** When set, outgoingResolved fails (the node "crashed" before taking the resolution). */
  refuseResolutions: boolean;
  connected: boolean;
}

let devnet: Devnet;
let alice: Side;
let bob: Side;
/** Messages checked against the durable state, and the ones that were not derived from it. */
let checked = 0;
const violations: string[] = [];
/** Every commitment_signed sent, by whom, with its number of HTLC signatures. */
const signed: { from: string; htlcSignatures: number }[] = [];
let deliveries: Promise<unknown> = Promise.resolve();

function other(s: Side): Side {
  return s === alice ? bob : alice;
}

/** BOLT 2 messages that follow from a stored channel state: they must leave after it is stored. */
const STATEFUL = new Set([
  'funding_signed',
  'channel_ready',
  'update_add_htlc',
  'update_fulfill_htlc',
  'update_fail_htlc',
  'commitment_signed',
  'revoke_and_ack',
  'shutdown',
  'closing_signed',
]);

/**
 * When set, each message sent is noted, and so is the end of the turn it was sent in, as the
 * peer manager sees it: it lets a turn's messages go at the first setImmediate after the first.
 */
let turns: string[] | undefined;
/** Whose turn end is pending (each side has its own peer manager). */
const turnEndPending = new Set<string>();

function send(from: Side, msg: WireMessage): boolean {
  if (!from.connected) return false;
  if (turns !== undefined) {
    turns.push(`${from.name} ${msg.kind}`);
    if (!turnEndPending.has(from.name)) {
      turnEndPending.add(from.name);
      setImmediate(() => {
        turnEndPending.delete(from.name);
        turns?.push(`${from.name} released`);
      });
    }
  }
  if (msg.kind === 'commitment_signed')
    signed.push({ from: from.name, htlcSignatures: msg.htlcSignature.length });
  if (STATEFUL.has(msg.kind) && 'channelId' in msg) {
    const id = bytesToHex(msg.channelId);
    const snap = from.driver.channel(msg.channelId);
    const stored = from.durable.get(id);
    checked++;
    if (snap === undefined || stored === undefined || !equalBytes(stored, serializeChannel(snap.state)))
      violations.push(`${from.name} sent ${msg.kind} before its state was stored`);
  }
  const to = other(from);
  deliveries = deliveries.then(() =>
    to.connected ? to.driver.onMessage(from.keys.nodePublicKey(), msg) : false,
  );
  return true;
}

function listenerFor(side: () => Side): ChannelDriverListener {
  return {
    incomingHtlc: (channel, htlc) => side().incoming.push({ channel, htlc }),
    outgoingResolved: async (_channel, r) => {
      if (side().refuseResolutions) throw new Error('not now');
      side().resolved.push(r);
    },
    channelChanged: () => {},
  };
}

async function makeDriver(s: Omit<Side, 'driver' | 'watcher'> & Partial<Side>): Promise<Side> {
  const watcher = new ChainWatcher({ backend: new DevnetBackend(devnet) });
  s.watcher = watcher;
  let self!: Side;
  const driver = new ChannelDriver({
    store: s.store,
    chain: watcher,
    wallet: {
      fundOutput: (script, amountSat, fee) => self.wallet.fundOutput(script, amountSat, fee),
      broadcast: (raw) => self.wallet.broadcast(raw),
      releaseLocks: (txid) => self.wallet.releaseLocks(txid),
      closeScript: async () => {
        const r = addressToScript(await self.wallet.newAddress(), 'regtest');
        assert.ok(r.ok);
        return r.script;
      },
    },
    peers: {
      send: (_id, m) => send(self, m),
      features: () => (self.connected ? OUR_INIT_FEATURES : undefined),
      disconnect: () => {},
    },
    channelSeed: (i) => s.keys.channelSeed(i),
    chainHash: CHAIN_HASH,
    localFeatures: OUR_INIT_FEATURES,
    policy: POLICY,
    randomBytes,
    now: Date.now,
    listener: listenerFor(() => self),
  });
  self = { ...(s as Side), watcher, driver };
  self.wallet = await Wallet.open({ keys: s.keys, chain: watcher, store: new MemoryKeyValueStore() });
  return self;
}

async function newSide(name: string, n: number): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), `ksnode-driver-${name}-`));
  const durable = new Map<string, Uint8Array>();
  const writes: Writes = { count: 0, outboxForgotten: [] };
  const store = recordingStore(await openStore({ kind: 'sqlite', dataDir: dir }), durable, writes);
  const keys = new KeyManager(seedFromMnemonic(mnemonicFromEntropy(new Uint8Array(32).fill(n))), 'regtest');
  const side = await makeDriver({
    name,
    dir,
    store,
    durable,
    writes,
    keys,
    wallet: undefined as unknown as Wallet,
    incoming: [],
    resolved: [],
    refuseResolutions: false,
    connected: true,
  });
  await side.driver.load();
  return side;
}

async function sync(): Promise<void> {
  await Promise.all([alice.watcher.sync(), bob.watcher.sync()]);
  await deliveries;
}

/** Mines and lets both sides see the blocks and finish the messages they cause. */
async function mine(n: number): Promise<void> {
  devnet.mine(n);
  await sync();
  await settle();
}

/** Waits until no message is travelling and no signature is due. */
/** Connects alice and bob again (channel_reestablish) and waits until the channel is usable. */
async function reconnect(): Promise<void> {
  alice.connected = true;
  bob.connected = true;
  await Promise.all([
    alice.driver.onPeerConnected(bob.keys.nodePublicKey()),
    bob.driver.onPeerConnected(alice.keys.nodePublicKey()),
  ]);
  await waitFor(
    'usable again',
    () => alice.driver.channel(channelId)?.usable && bob.driver.channel(channelId)?.usable,
  );
}

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const before = deliveries;
    await before;
    await new Promise((r) => setTimeout(r, 20));
    if (deliveries === before) return;
  }
}

let channelId: Uint8Array;

before(async () => {
  devnet = new Devnet({ coinbaseMaturity: 1 });
  alice = await newSide('alice', 1);
  bob = await newSide('bob', 2);
  devnet.faucet(await alice.wallet.newAddress(), 1_000_000n, { mine: true });
  await sync();
});

after(async () => {
  // Nothing more is delivered (a closing negotiation a test started stops here), then the stores close.
  for (const s of [alice, bob]) if (s !== undefined) s.connected = false;
  await deliveries;
  for (const s of [alice, bob]) {
    await s?.driver.stop();
    await s?.store.close();
    if (s !== undefined) rmSync(s.dir, { recursive: true, force: true });
  }
  devnet?.close();
});

test('a channel opens and settles an HTLC, and nothing leaves before it is stored', async () => {
  const opened = await alice.driver.openChannel(bob.keys.nodePublicKey(), 300_000n, {
    pushMsat: 50_000_000n,
  });
  channelId = opened.channelId;
  await mine(1);
  await waitFor(
    'usable on both sides',
    () => alice.driver.channel(channelId)?.usable && bob.driver.channel(channelId)?.usable,
  );

  // Alice pays Bob; Bob settles when the HTLC is irrevocably committed.
  const preimage = new Uint8Array(32).fill(7);
  const origin = Uint8Array.of(1, 2, 3);
  const added = await alice.driver.addHtlc(channelId, {
    amountMsat: 2_000_000n,
    paymentHash: sha256(preimage),
    cltvExpiry: devnet.tipHeight + 100,
    onion: new Uint8Array(1366).fill(9),
    origin,
  });
  assert.deepEqual(added, { ok: true, htlcId: 0n });
  assert.equal(alice.driver.outgoingHtlcIdByOrigin(channelId, origin), 0n);
  await waitFor('bob sees the HTLC committed', () => bob.incoming.length === 1);
  const inc = bob.incoming[0]!;
  assert.equal(inc.htlc.amountMsat, 2_000_000n);
  assert.equal(inc.htlc.onionRoutingPacket.length, 1366);
  assert.equal(inc.htlc.onionRoutingPacket[0], 9);
  // With BOLT 4 attribution data (the switch computes it; the driver carries it to the peer).
  const attr = Uint8Array.from({ length: 920 }, (_, i) => i & 0xff);
  assert.deepEqual(await bob.driver.fulfillHtlc(channelId, inc.htlc.htlcId, preimage, attr), {
    ok: true,
    htlcId: 0n,
  });
  // A second fulfill of the same HTLC changes nothing (the switch repeats resolutions).
  const again = await bob.driver.fulfillHtlc(channelId, inc.htlc.htlcId, preimage);
  assert.equal(again.ok, false);
  await waitFor('alice learns the preimage', () => alice.resolved.length === 1);
  assert.equal(alice.resolved[0]?.kind, 'fulfilled');
  assert.deepEqual(alice.resolved[0]?.kind === 'fulfilled' && alice.resolved[0].attributionData, attr);
  await settle();
  const a = alice.driver.channel(channelId)!;
  const b = bob.driver.channel(channelId)!;
  assert.equal(a.state.localCommit?.spec.toLocalMsat, 300_000_000n - 50_000_000n - 2_000_000n);
  assert.equal(b.state.localCommit?.spec.toLocalMsat, 52_000_000n);
  assert.equal(a.state.localCommit?.spec.htlcs.length, 0);
  // The origin is forgotten with the HTLC.
  assert.equal(alice.driver.outgoingHtlcIdByOrigin(channelId, origin), undefined);
  assert.ok(checked >= 10, `only ${checked} messages checked`);
  assert.deepEqual(violations, []);
});

test('an origin and an undelivered resolution survive a restart', async () => {
  const origin = Uint8Array.of(4, 5, 6);
  const preimage = new Uint8Array(32).fill(8);
  const added = await alice.driver.addHtlc(channelId, {
    amountMsat: 1_000_000n,
    paymentHash: sha256(preimage),
    cltvExpiry: devnet.tipHeight + 100,
    onion: new Uint8Array(1366),
    origin,
  });
  assert.ok(added.ok);
  await waitFor('bob sees it', () => bob.incoming.length === 2);
  // Alice will not take the resolution: the node is going down.
  alice.refuseResolutions = true;
  const attr = new Uint8Array(920).fill(0x3c);
  await bob.driver.fulfillHtlc(channelId, bob.incoming[1]!.htlc.htlcId, preimage, attr);
  await settle();
  assert.equal(alice.resolved.length, 1);
  // The HTLC has left the channel, but its resolution was not taken: its origin stays, so that a
  // switch that crashed while adding it finds it after the restart (then takes the resolution).
  assert.equal(alice.driver.channel(channelId)?.state.localCommit?.spec.htlcs.length, 0);
  assert.equal(alice.driver.outgoingHtlcIdByOrigin(channelId, origin), added.ok ? added.htlcId : -1n);

  // Restart Alice's driver on the same store.
  alice.connected = false;
  bob.connected = false;
  await bob.driver.onPeerDisconnected(alice.keys.nodePublicKey());
  await alice.driver.stop();
  alice.wallet.close();
  alice = await makeDriver({ ...alice, refuseResolutions: false, resolved: [] });
  await alice.driver.load();
  await alice.watcher.sync();
  assert.equal(
    alice.driver.outgoingHtlcIdByOrigin(channelId, origin),
    added.ok ? added.htlcId : -1n,
    'the origin of an HTLC whose resolution waits is found after the restart',
  );
  await alice.driver.replay();
  await waitFor('the stored resolution is delivered again', () => alice.resolved.length === 1);
  // Taken now: the origin goes too, in the store as in memory.
  await waitFor(
    'the origin is forgotten',
    () => alice.driver.outgoingHtlcIdByOrigin(channelId, origin) === undefined,
  );
  assert.deepEqual(await alice.store.kv('channel-origins').list(), []);
  assert.equal(alice.resolved[0]?.kind, 'fulfilled');
  assert.deepEqual(
    alice.resolved[0]?.kind === 'fulfilled' && alice.resolved[0].attributionData,
    attr,
    'with its attribution data',
  );
  assert.equal(alice.resolved[0]?.htlcId, added.ok ? added.htlcId : -1n);

  // Reconnect: channel_reestablish, and the channel carries HTLCs again.
  await reconnect();
  const origin3 = Uint8Array.of(7);
  const third = await alice.driver.addHtlc(channelId, {
    amountMsat: 3_000n,
    paymentHash: sha256(new Uint8Array(32).fill(3)),
    cltvExpiry: devnet.tipHeight + 100,
    onion: new Uint8Array(1366),
    origin: origin3,
  });
  assert.ok(third.ok);
  assert.equal(alice.driver.outgoingHtlcIdByOrigin(channelId, origin3), third.htlcId);
  await waitFor('bob sees the third', () => bob.incoming.length === 3);
  assert.deepEqual(violations, []);
});

test('HTLCs submitted together are stored in one write and signed in one commitment', async () => {
  const next = alice.driver.channel(channelId)!.state.localNextHtlcId;
  const known = bob.incoming.length;
  const aliceWrites = alice.writes.count;
  const firstSig = signed.length;
  const preimages = [1, 2, 3, 4, 5].map((i) => new Uint8Array(32).fill(0x60 + i));
  // Five adds before the channel's queue gets its turn (as the switch sends them under load).
  const adds = await Promise.all(
    preimages.map((p, i) =>
      alice.driver.addHtlc(channelId, {
        amountMsat: 2_000_000n,
        paymentHash: sha256(p),
        cltvExpiry: devnet.tipHeight + 100,
        onion: new Uint8Array(1366),
        origin: Uint8Array.of(0x60, i),
      }),
    ),
  );
  assert.deepEqual(
    adds.map((a) => (a.ok ? a.htlcId : -1n)),
    [0n, 1n, 2n, 3n, 4n].map((i) => next + i),
    'each has its own id, in the order submitted',
  );
  for (let i = 0; i < 5; i++)
    assert.equal(alice.driver.outgoingHtlcIdByOrigin(channelId, Uint8Array.of(0x60, i)), next + BigInt(i));
  assert.equal(alice.writes.count - aliceWrites, 1, 'five adds, one write');
  await waitFor('bob has all five', () => bob.incoming.length === known + 5);
  const ours = signed.slice(firstSig).filter((x) => x.from === 'alice');
  assert.equal(ours[0]?.htlcSignatures, 5, "alice's first commitment after the adds signs all five");

  // Bob settles all five at once: one write, and Alice learns every preimage.
  await settle();
  const bobWrites = bob.writes.count;
  const resolved = alice.resolved.length;
  const fulfills = await Promise.all(
    bob.incoming.slice(known).map((x, i) => bob.driver.fulfillHtlc(channelId, x.htlc.htlcId, preimages[i]!)),
  );
  assert.ok(fulfills.every((f) => f.ok));
  assert.equal(bob.writes.count - bobWrites, 1, 'five fulfills, one write');
  await waitFor('alice has the five preimages', () => alice.resolved.length === resolved + 5);
  await settle();
  await waitFor('alice has forgotten their outbox entries', () => alice.writes.outboxForgotten.at(-1) === 5);
  assert.deepEqual(violations, []);
});

test('a revoke_and_ack and the commitment_signed after it leave in the same turn (one flush)', async () => {
  turns = [];
  const added = await alice.driver.addHtlc(channelId, {
    amountMsat: 4_000n,
    paymentHash: sha256(new Uint8Array(32).fill(0x44)),
    cltvExpiry: devnet.tipHeight + 100,
    onion: new Uint8Array(1366),
    origin: Uint8Array.of(0x44),
  });
  assert.ok(added.ok);
  await settle();
  const seen = turns;
  turns = undefined;
  // Bob answers Alice's commitment_signed with his revoke_and_ack and signs her next commitment:
  // both before his turn's messages are let go. (Signed a turn later, his commitment_signed
  // left with a flush of its own.)
  const bobs = seen.filter((x) => x.startsWith('bob '));
  assert.deepEqual(
    bobs.slice(0, 3),
    ['bob revoke_and_ack', 'bob commitment_signed', 'bob released'],
    seen.join(', '),
  );
  assert.deepEqual(violations, []);
});

test("a peer's update_add_htlc is not written until a commitment covers it (it promises nothing)", async () => {
  // Every earlier message taken first: bob's channel is as stored, and open (the next test closes it).
  await deliveries;
  const id = bytesToHex(channelId);
  const before = bob.durable.get(id);
  assert.ok(before !== undefined);
  const s = bob.driver.channel(channelId)!.state;
  const add: WireMessage = {
    kind: 'update_add_htlc',
    channelId,
    id: s.remoteNextHtlcId,
    amountMsat: 5_000n,
    paymentHash: sha256(new Uint8Array(32).fill(0x55)),
    cltvExpiry: devnet.tipHeight + 100,
    onionRoutingPacket: new Uint8Array(1366),
  };
  assert.equal(await bob.driver.onMessage(alice.keys.nodePublicKey(), add), true);
  // Held in memory, not stored: after a restart BOLT 2 has it forgotten anyway.
  assert.equal(bob.driver.channel(channelId)!.state.remoteChanges.proposed.length, 1);
  assert.equal(bob.durable.get(id), before, 'no write for the add alone');
  const stored = deserializeChannel(before);
  assert.ok(stored.ok && stored.value.remoteChanges.proposed.length === 0);
  // A disconnection drops it, as it would after a restart.
  alice.connected = false;
  bob.connected = false;
  await bob.driver.onPeerDisconnected(alice.keys.nodePublicKey());
  await alice.driver.onPeerDisconnected(bob.keys.nodePublicKey());
  assert.equal(bob.driver.channel(channelId)!.state.remoteChanges.proposed.length, 0);
  // Reconnected for the tests after this one.
  await reconnect();
  assert.deepEqual(violations, []);
});

test('an input submitted after an operation with a turn of its own is stepped after it', async () => {
  // Alice adds, then starts a close, then adds again: the second add comes after the shutdown
  // (it is refused), not into the batch of the first.
  const add = (n: number) =>
    alice.driver.addHtlc(channelId, {
      amountMsat: 2_000_000n,
      paymentHash: sha256(new Uint8Array(32).fill(n)),
      cltvExpiry: devnet.tipHeight + 100,
      onion: new Uint8Array(1366),
      origin: Uint8Array.of(0x70, n),
    });
  const first = add(1);
  const close = alice.driver.closeChannel(channelId, { feeratePerKw: 253 });
  const second = add(2);
  assert.equal((await first).ok, true);
  await close;
  const late = await second;
  assert.equal(late.ok, false);
  assert.equal(late.ok === false && late.rejection.code, 'closing');
});

test('a message for an unknown channel is answered with an error', async () => {
  const sent: WireMessage[] = [];
  const unknown = new Uint8Array(32).fill(0xab);
  const probe = new ChannelDriver({
    store: bob.store,
    chain: bob.watcher,
    wallet: {
      fundOutput: async () => ({ ok: false, code: 'insufficient_funds', message: 'none' }),
      broadcast: async () => ({ ok: false, code: 'rejected', reason: 'no' }),
      releaseLocks: async () => {},
      closeScript: async () => new Uint8Array(22),
    },
    peers: { send: (_id, m) => sent.push(m) > 0, features: () => OUR_INIT_FEATURES, disconnect: () => {} },
    channelSeed: (i) => bob.keys.channelSeed(i + 1000),
    chainHash: CHAIN_HASH,
    localFeatures: OUR_INIT_FEATURES,
    policy: DEFAULT_POLICY,
    randomBytes,
    now: Date.now,
    listener: { incomingHtlc() {}, outgoingResolved: async () => {}, channelChanged() {} },
  });
  const handled = await probe.onMessage(alice.keys.nodePublicKey(), {
    kind: 'update_fee',
    channelId: unknown,
    feeratePerKw: 1000,
  });
  assert.equal(handled, true);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.kind, 'error');
  assert.ok(sent[0]?.kind === 'error' && equalBytes(sent[0].channelId, unknown));
  // Gossip is not the driver's.
  assert.equal(
    ChannelDriver.handles({
      kind: 'gossip_timestamp_filter',
      chainHash: CHAIN_HASH,
      firstTimestamp: 0,
      timestampRange: 0,
    }),
    false,
  );
  assert.equal(ChannelDriver.handles({ kind: 'update_fee', channelId: unknown, feeratePerKw: 1000 }), true);
});
