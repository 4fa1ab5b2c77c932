// PeerManager over real loopback TCP: init and features both ways, dispatch, BOLT 1 reactions to
// incompatible or misbehaving peers.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  type DisconnectReason,
  errorMessage,
  OUR_INIT_FEATURES,
  PeerError,
  PeerManager,
} from '../../src/peer/index.js';
import { encodeMessage, type Features, type WireMessage } from '../../src/wire/index.js';
import { collect, initBytes, key, rawPeer, record, sleep, startManager, waitFor } from './helpers.js';

const A = key(0x11);
const B = key(0x22);
const C = key(0x33);
const CHANNEL = new Uint8Array(32).fill(0xcd);
const shutdown: WireMessage = {
  kind: 'shutdown',
  channelId: CHANNEL,
  scriptpubkey: Uint8Array.of(0x00, 0x14, ...new Uint8Array(20)),
};

const managers: PeerManager[] = [];
after(async () => {
  await Promise.all(managers.map((m) => m.close()));
});

async function start(priv: Uint8Array, options: Parameters<typeof startManager>[1] = {}) {
  const r = await startManager(priv, options);
  managers.push(r.manager);
  return r;
}

async function expectPeerError(p: Promise<unknown>, code: string, reason?: string): Promise<PeerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PeerError, `expected a PeerError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (reason !== undefined) assert.equal(e.reason?.code, reason, e.message);
    return e;
  }
  assert.fail(`expected a rejection with ${code}`);
}

test('two managers connect both ways; init exchanged, features known, messages dispatched', async () => {
  const a = await start(A.priv);
  const b = await start(B.priv);
  const bConnected = waitFor<[Uint8Array, Features]>(b.manager, 'peerConnected');
  const info = await a.manager.connect(B.id, '127.0.0.1', b.port);
  assert.deepEqual(info.nodeId, B.id);
  assert.equal(info.direction, 'outbound');
  assert.equal(info.state, 'active');
  assert.ok(info.features?.equals(OUR_INIT_FEATURES));
  assert.equal(info.remoteAddr, undefined, 'loopback is private: no remote_addr');
  const [bSawId, bSawFeatures] = await bConnected;
  assert.deepEqual(bSawId, A.id);
  assert.ok(bSawFeatures.equals(OUR_INIT_FEATURES));
  assert.equal(b.manager.peer(A.id)?.direction, 'inbound');
  assert.equal(b.manager.peers().length, 1);

  // A channel message, each way.
  const atB = waitFor<[Uint8Array, WireMessage]>(b.manager, 'message');
  assert.equal(a.manager.send(B.id, shutdown), 'ok');
  const [from, msg] = await atB;
  assert.deepEqual(from, A.id);
  assert.deepEqual(msg, shutdown);
  const atA = waitFor<[Uint8Array, WireMessage]>(a.manager, 'message');
  assert.equal(b.manager.send(A.id, shutdown), 'ok');
  assert.deepEqual((await atA)[1], shutdown);

  // connect() to a connected peer resolves at once with the same connection.
  assert.equal((await a.manager.connect(B.id, '127.0.0.1', b.port)).connectedAt, info.connectedAt);

  // Disconnect, then the other direction.
  const gone = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  assert.equal(a.manager.disconnect(B.id), true);
  assert.equal(a.manager.send(B.id, shutdown), 'not_connected');
  assert.equal((await gone)[1].code, 'remote_closed');
  const back = await b.manager.connect(A.id, '127.0.0.1', a.port);
  assert.equal(back.direction, 'outbound');
  assert.equal(a.manager.peer(B.id)?.direction, 'inbound');
  b.manager.disconnect(A.id);
});

test('messages written in one turn leave together at its end, after one beforeWrite (the node flushes its store there)', async () => {
  let flushes = 0;
  const a = await start(A.priv, { beforeWrite: () => void flushes++ });
  const b = await start(B.priv);
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const afterInit = flushes;
  assert.ok(afterInit >= 1, 'init went out after a flush');
  const got: WireMessage[] = [];
  const three = new Promise<void>((resolve) =>
    b.manager.on('message', (_id: Uint8Array, m: WireMessage) => {
      got.push(m);
      if (got.length === 3) resolve();
    }),
  );
  const sent = [1, 2, 3].map((n): WireMessage => ({ ...shutdown, channelId: new Uint8Array(32).fill(n) }));
  for (const m of sent) assert.equal(a.manager.send(B.id, m), 'ok');
  assert.equal(flushes, afterInit, 'nothing flushed (nor written) while the turn goes on');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(flushes, afterInit + 1, 'one flush for the three');
  await three;
  assert.deepEqual(got, sent, 'all three arrive, in order');
  a.manager.disconnect(B.id);
});

/**
 * A connected to B, with a flush (beforeWrite) that fails from `breakDisk()` on; `received` counts
 * the messages B got, `reasons` A's disconnections.
 */
async function pairWithFailingFlush() {
  let fail = false;
  const a = await start(A.priv, {
    beforeWrite: () => {
      if (fail) throw new Error('disk gone');
    },
  });
  const b = await start(B.priv);
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const seen = { received: 0, reasons: [] as string[] };
  b.manager.on('message', () => void seen.received++);
  a.manager.on('peerDisconnected', (_id: Uint8Array, r: { message: string }) => seen.reasons.push(r.message));
  const bSawClose = waitFor<unknown[]>(b.manager, 'peerDisconnected');
  return {
    a,
    seen,
    bSawClose,
    breakDisk: () => {
      fail = true;
    },
  };
}

test('messages whose flush fails never leave: their connection is dropped', async () => {
  const { a, seen, bSawClose, breakDisk } = await pairWithFailingFlush();
  const closed = waitFor<[Uint8Array, { code: string; message: string }]>(a.manager, 'peerDisconnected');
  breakDisk();
  assert.equal(a.manager.send(B.id, shutdown), 'ok');
  const [, reason] = await closed;
  assert.match(reason.message, /dropped unsent.*disk gone/);
  await bSawClose;
  assert.equal(seen.received, 0, 'the peer never saw the message');
});

test('a disconnect in the turn of a failing flush ends the connection once, its messages unsent', async () => {
  const { a, seen, bSawClose, breakDisk } = await pairWithFailingFlush();
  breakDisk();
  assert.equal(a.manager.send(B.id, shutdown), 'ok');
  a.manager.disconnect(B.id);
  await bSawClose;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.reasons.length, 1, seen.reasons.join(' | '));
  assert.match(seen.reasons[0]!, /dropped unsent.*disk gone/);
  assert.equal(seen.received, 0, 'the peer never saw the message');
});

test('a peer requiring an unknown even feature is disconnected, and told why', async () => {
  const a = await start(A.priv);
  const picky = await start(C.priv, { features: OUR_INIT_FEATURES.with(200) });
  const warned = waitFor<[Uint8Array, Uint8Array, string]>(picky.manager, 'warningReceived');
  const e = await expectPeerError(
    a.manager.connect(C.id, '127.0.0.1', picky.port),
    'disconnected',
    'unknown_required_features',
  );
  assert.match(e.message, /bits 200/);
  // The picky side found nothing wrong with us, so it heard our warning before we hung up.
  const [, channelId, text] = await warned;
  assert.deepEqual(channelId, new Uint8Array(32));
  assert.match(text, /requires features we lack: bits 200/);
  assert.equal(a.manager.isConnected(C.id), false);
});

test('a peer on another chain (networks) is disconnected', async () => {
  const a = await start(A.priv);
  const other = await start(C.priv, { chainHash: new Uint8Array(32).fill(9) });
  await expectPeerError(
    a.manager.connect(C.id, '127.0.0.1', other.port),
    'disconnected',
    'no_common_network',
  );
});

test('unknown odd messages are ignored; an unknown even one ends the connection', async () => {
  const a = await start(A.priv);
  const b = await start(B.priv);
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const log = record(b.manager, ['message', 'peerDisconnected']);
  assert.equal(a.manager.send(B.id, { kind: 'unknown', type: 32769, payload: Uint8Array.of(1, 2, 3) }), 'ok');
  assert.equal(a.manager.send(B.id, shutdown), 'ok');
  await waitFor(b.manager, 'message');
  assert.deepEqual(
    log.map((l) => l.event),
    ['message'],
    'the odd message vanished, the next one arrived',
  );
  const aLost = waitFor<[Uint8Array, DisconnectReason]>(a.manager, 'peerDisconnected');
  const bDropped = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  a.manager.send(B.id, { kind: 'unknown', type: 32768, payload: new Uint8Array(0) });
  assert.equal((await bDropped)[1].code, 'unknown_even_message');
  assert.equal((await aLost)[1].code, 'remote_closed');
});

test('a malformed message ends the connection', async () => {
  const b = await start(B.priv);
  const raw = await rawPeer(A.priv, B.id, b.port);
  const got = collect(raw);
  raw.send(initBytes());
  await waitFor(b.manager, 'peerConnected');
  const dropped = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  raw.send(Uint8Array.of(0x00, 0x12, 0x00)); // a ping cut short
  const [, reason] = await dropped;
  assert.equal(reason.code, 'malformed_message');
  await raw.closed;
  assert.deepEqual(
    got.map((m) => m.kind),
    ['init', 'warning'],
  );
});

test('the first message must be init', async () => {
  const b = await start(B.priv);
  const raw = await rawPeer(A.priv, B.id, b.port);
  const closed = waitFor<[Uint8Array, DisconnectReason, boolean]>(b.manager, 'connectionClosed');
  raw.send(encodeMessage(shutdown));
  const [id, reason, wasConnected] = await closed;
  assert.deepEqual(id, A.id);
  assert.equal(reason.code, 'first_message_not_init');
  assert.equal(wasConnected, false);
  await raw.closed;
});

test('an error for all channels is reported and ends the connection; one for a channel does not', async () => {
  const a = await start(A.priv);
  const b = await start(B.priv);
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const one = waitFor<[Uint8Array, Uint8Array, string, boolean]>(b.manager, 'errorReceived');
  a.manager.send(B.id, errorMessage(CHANNEL, 'bad signature'));
  assert.deepEqual((await one).slice(1), [CHANNEL, 'bad signature', false]);
  assert.equal(b.manager.isConnected(A.id), true);

  const all = waitFor<[Uint8Array, Uint8Array, string, boolean]>(b.manager, 'errorReceived');
  const dropped = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  a.manager.send(B.id, errorMessage(new Uint8Array(32), 'internal error'));
  const [from, channelId, text, allChannels] = await all;
  assert.deepEqual(from, A.id);
  assert.deepEqual(channelId, new Uint8Array(32));
  assert.equal(text, 'internal error');
  assert.equal(allChannels, true);
  assert.equal((await dropped)[1].code, 'remote_error');
});

test('connect: bad arguments and unreachable peers are PeerErrors', async () => {
  const a = await start(A.priv);
  await expectPeerError(a.manager.connect(new Uint8Array(33), '127.0.0.1', 1), 'invalid_argument');
  await expectPeerError(a.manager.connect(B.id, '127.0.0.1', 0), 'invalid_argument');
  await expectPeerError(a.manager.connect(A.id, '127.0.0.1', a.port), 'invalid_argument');
  // A port nobody listens on: take one from a closed manager.
  const gone = await startManager(C.priv);
  await gone.manager.close();
  const failed = waitFor<[Uint8Array, PeerError]>(a.manager, 'connectFailed');
  await expectPeerError(a.manager.connect(C.id, '127.0.0.1', gone.port), 'connect_failed');
  assert.equal((await failed)[1].code, 'connect_failed');
  assert.equal(a.manager.send(C.id, shutdown), 'not_connected');
});

test('disconnect() during a dial cancels it; the connection is dropped on arrival', async () => {
  const a = await start(A.priv);
  const b = await start(B.priv);
  const pending = a.manager.connect(B.id, '127.0.0.1', b.port);
  assert.equal(a.manager.disconnect(B.id), false, 'no connection yet');
  await expectPeerError(pending, 'disconnected');
  await sleep(100);
  assert.deepEqual(a.manager.peers(), []);
  assert.equal(b.manager.isConnected(A.id), false);
});

test('construction checks the key and the settings', () => {
  const chainHash = new Uint8Array(32);
  assert.throws(() => new PeerManager({ localPrivateKey: new Uint8Array(32), chainHash }), {
    name: 'PeerError',
    code: 'invalid_argument',
  });
  assert.throws(
    () => new PeerManager({ localPrivateKey: A.priv, chainHash: new Uint8Array(31) }),
    RangeError,
  );
  for (const options of [
    { timing: { tickMs: 0 } },
    { limits: { maxQueuedBytes: -1 } },
    { limits: { maxInboundPeers: 1.5 } },
    { limits: { maxMessageLength: 70_000 } },
    { reconnect: { multiplier: 0.5 } },
    { timing: { pingIntervalMs: Number.NaN } },
    { limits: { messageRate: { burst: -1, perSecond: 1, grace: 1 } } },
  ]) {
    assert.throws(() => new PeerManager({ localPrivateKey: A.priv, chainHash, ...options }), RangeError);
  }
});
