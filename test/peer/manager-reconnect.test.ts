// PeerManager over loopback: redialling persistent peers with backoff, one connection per peer
// (replacement and simultaneous dials), shutdown.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { DisconnectReason, PeerInfo, PeerManager } from '../../src/peer/index.js';
import type { WireMessage } from '../../src/wire/index.js';
import { key, record, sleep, startManager, waitFor } from './helpers.js';

const A = key(0x51);
const B = key(0x52);

const managers: PeerManager[] = [];
after(async () => {
  await Promise.all(managers.map((m) => m.close()));
});

async function start(priv: Uint8Array, options: Parameters<typeof startManager>[1] = {}, port = 0) {
  const r = await startManager(priv, options, port);
  managers.push(r.manager);
  return r;
}

const ping: WireMessage = {
  kind: 'channel_ready',
  channelId: new Uint8Array(32).fill(1),
  secondPerCommitmentPoint: A.id,
};

test('a persistent peer is redialled with exponential backoff until it is back', async () => {
  const reconnect = { initialDelayMs: 40, maxDelayMs: 1_000, multiplier: 2, jitter: 0 };
  const a = await start(A.priv, { reconnect });
  const b1 = await start(B.priv);
  const port = b1.port;
  a.manager.addPersistentPeer(B.id, '127.0.0.1', port);
  await waitFor(a.manager, 'peerConnected');
  assert.equal(a.manager.peer(B.id)?.persistent, true);

  const log = record(a.manager, ['peerDisconnected', 'reconnectScheduled', 'connectFailed', 'peerConnected']);
  await b1.manager.close(); // the remote goes away...
  await waitFor(
    a.manager,
    'reconnectScheduled',
    (_id: Uint8Array, _d: number, attempt: number) => attempt === 2,
  );
  const b2 = await start(B.priv, {}, port); // ...and comes back on the same port
  const [id] = await waitFor<[Uint8Array]>(a.manager, 'peerConnected');
  assert.deepEqual(id, B.id);
  assert.ok(b2.manager.isConnected(A.id));

  const events = log.map((l) => l.event);
  assert.equal(events[0], 'peerDisconnected');
  assert.equal((log[0]?.args[1] as DisconnectReason | undefined)?.code, 'remote_closed');
  assert.equal(events.at(-1), 'peerConnected');
  const delays = log.filter((l) => l.event === 'reconnectScheduled').map((l) => l.args[1] as number);
  assert.deepEqual(delays.slice(0, 3), [40, 80, 160]);
  assert.ok(events.filter((e) => e === 'connectFailed').length >= 2);
  a.manager.disconnect(B.id);
});

test('disconnect() stops redialling', async () => {
  const reconnect = { initialDelayMs: 30, maxDelayMs: 30, jitter: 0 };
  const a = await start(A.priv, { reconnect });
  const b = await start(B.priv);
  a.manager.addPersistentPeer(B.id, '127.0.0.1', b.port);
  await waitFor(a.manager, 'peerConnected');
  const log = record(a.manager, ['reconnectScheduled', 'peerConnected']);
  const [, reason] = await (async () => {
    const gone = waitFor<[Uint8Array, DisconnectReason]>(a.manager, 'peerDisconnected');
    a.manager.disconnect(B.id);
    return gone;
  })();
  assert.equal(reason.code, 'local');
  await sleep(150);
  assert.deepEqual(log, []);
  assert.deepEqual(a.manager.persistentPeers(), []);
  assert.equal(b.manager.isConnected(A.id), false);
});

test('one connection per peer: a restarted peer’s new connection replaces the old one', async () => {
  const b = await start(B.priv);
  const a1 = await start(A.priv);
  await a1.manager.connect(B.id, '127.0.0.1', b.port);
  const first = b.manager.peer(A.id);
  const replaced = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  const reconnected = waitFor<[Uint8Array, unknown, PeerInfo]>(b.manager, 'peerConnected');
  // The same node id again, from a fresh process (the old one has not noticed anything yet).
  const a2 = await start(A.priv);
  await a2.manager.connect(B.id, '127.0.0.1', b.port);
  assert.equal((await replaced)[1].code, 'replaced');
  const [, , info] = await reconnected;
  assert.ok(first !== undefined && info.connectedAt >= first.connectedAt);
  assert.equal(b.manager.peers().length, 1);
  // The old process lost its connection; the new one carries traffic.
  await waitFor(a1.manager, 'peerDisconnected');
  const atB = waitFor<[Uint8Array, WireMessage]>(b.manager, 'message');
  assert.equal(a2.manager.send(B.id, ping), 'ok');
  assert.deepEqual((await atB)[1], ping);
  await a1.manager.close();
  a2.manager.disconnect(B.id);
});

test('simultaneous dials both ways settle on a single connection that both sides keep', async () => {
  for (let round = 0; round < 3; round++) {
    const a = await start(A.priv);
    const b = await start(B.priv);
    const closedA = record(a.manager, ['connectionClosed']);
    const closedB = record(b.manager, ['connectionClosed']);
    const [infoA, infoB] = await Promise.all([
      a.manager.connect(B.id, '127.0.0.1', b.port),
      b.manager.connect(A.id, '127.0.0.1', a.port),
    ]);
    assert.equal(infoA.state, 'active');
    assert.equal(infoB.state, 'active');
    await sleep(50); // let a losing connection finish closing
    // Both dials went through, so each side dropped exactly one connection: the same one.
    for (const closed of [closedA, closedB]) {
      assert.deepEqual(
        closed.map((r) => (r.args[1] as DisconnectReason).code),
        ['replaced'],
      );
    }
    assert.equal(a.manager.peers().length, 1);
    assert.equal(b.manager.peers().length, 1);
    const da = a.manager.peer(B.id)?.direction;
    const db = b.manager.peer(A.id)?.direction;
    assert.ok(da !== undefined && db !== undefined && da !== db, `round ${round}: ${da} / ${db}`);
    // Both kept the connection dialled by the smaller node id.
    const aIsSmaller = Buffer.compare(A.id, B.id) < 0;
    assert.equal(da, aIsSmaller ? 'outbound' : 'inbound');
    const atB = waitFor<[Uint8Array, WireMessage]>(b.manager, 'message');
    assert.equal(a.manager.send(B.id, ping), 'ok');
    assert.deepEqual((await atB)[1], ping);
    await Promise.all([a.manager.close(), b.manager.close()]);
  }
});

test('close() disconnects every peer with reason shutdown and refuses further work', async () => {
  const a = await start(A.priv);
  const b = await start(B.priv);
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const gone = waitFor<[Uint8Array, DisconnectReason]>(a.manager, 'peerDisconnected');
  const remote = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  await a.manager.close();
  assert.equal((await gone)[1].code, 'shutdown');
  assert.equal((await remote)[1].code, 'remote_closed');
  await assert.rejects(a.manager.connect(B.id, '127.0.0.1', b.port), { code: 'closed' });
  await assert.rejects(a.manager.listen('127.0.0.1', 0), { code: 'closed' });
  assert.deepEqual(a.manager.peers(), []);
});
