// PeerManager liveness and limits over loopback: pings and pongs, silent peers, peers that do not
// read, peers that send too fast, too many peers, too many handshakes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import type { DisconnectReason, PeerManager } from '../../src/peer/index.js';
import type { WireMessage } from '../../src/wire/index.js';
import { collect, initBytes, key, rawPeer, startManager, waitFor } from './helpers.js';

const A = key(0x41);
const B = key(0x42);
const C = key(0x43);

const managers: PeerManager[] = [];
after(async () => {
  await Promise.all(managers.map((m) => m.close()));
});

async function start(priv: Uint8Array, options: Parameters<typeof startManager>[1] = {}) {
  const r = await startManager(priv, options);
  managers.push(r.manager);
  return r;
}

test('ping/pong: both sides ping on their interval and see the pongs', async () => {
  const timing = { pingIntervalMs: 60, pongTimeoutMs: 500 };
  const a = await start(A.priv, { timing });
  const b = await start(B.priv, { timing });
  const aPong = waitFor<[Uint8Array, number]>(a.manager, 'pong');
  const bPong = waitFor<[Uint8Array, number]>(b.manager, 'pong');
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const [fromB, rtt] = await aPong;
  assert.deepEqual(fromB, B.id);
  assert.ok(rtt >= 0 && rtt < 500, `rtt ${rtt}`);
  assert.deepEqual((await bPong)[0], A.id);
  // Several intervals later the connection is still up.
  await waitFor(a.manager, 'pong');
  await waitFor(a.manager, 'pong');
  assert.equal(a.manager.isConnected(B.id), true);
  a.manager.disconnect(B.id);
});

test('a peer silent after our ping is disconnected (ping_timeout)', async () => {
  const b = await start(B.priv, { timing: { pingIntervalMs: 50, pongTimeoutMs: 150 } });
  const raw = await rawPeer(A.priv, B.id, b.port);
  const got = collect(raw); // reads, but never answers
  raw.send(initBytes());
  await waitFor(b.manager, 'peerConnected');
  const started = Date.now();
  const [, reason] = await waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  const elapsed = Date.now() - started;
  assert.equal(reason.code, 'ping_timeout');
  assert.ok(elapsed >= 150 && elapsed < 1_500, `after ${elapsed} ms`);
  assert.equal(got.filter((m) => m.kind === 'ping').length >= 1, true);
  await raw.closed;
});

test('a peer that never sends init is dropped (init_timeout)', async () => {
  const b = await start(B.priv, { timing: { initTimeoutMs: 100 } });
  const raw = await rawPeer(A.priv, B.id, b.port);
  const [, reason, wasConnected] = await waitFor<[Uint8Array, DisconnectReason, boolean]>(
    b.manager,
    'connectionClosed',
  );
  assert.equal(reason.code, 'init_timeout');
  assert.equal(wasConnected, false);
  await raw.closed;
});

test('a peer that does not read is disconnected once its queue passes the limit', async () => {
  const maxQueuedBytes = 256 * 1024;
  const b = await start(B.priv, { limits: { maxQueuedBytes } });
  // Reads our init into its inbox and then stops reading (the inbox holds one message).
  const raw = await rawPeer(A.priv, B.id, b.port, { limits: { maxBufferedMessages: 1 } });
  raw.send(initBytes());
  await waitFor(b.manager, 'peerConnected');
  const dropped = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  const big: WireMessage = { kind: 'pong', ignored: new Uint8Array(60_000) };
  const results: string[] = [];
  for (let i = 0; i < 2_000; i++) {
    const r = b.manager.send(A.id, big);
    results.push(r);
    if (r !== 'ok' && r !== 'buffer_full') break;
  }
  assert.equal(results.at(-1), 'queue_full', `after ${results.length} sends`);
  assert.ok(results.includes('buffer_full'), 'the socket reported back-pressure before the limit');
  const [, reason] = await dropped;
  assert.equal(reason.code, 'send_queue_full');
  assert.equal(b.manager.send(A.id, big), 'not_connected');
  raw.close();
  await raw.closed;
});

test('a peer sending too fast is warned, then disconnected', async () => {
  const a = await start(A.priv);
  const b = await start(B.priv, { limits: { messageRate: { burst: 20, perSecond: 1, grace: 10 } } });
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const warned = waitFor<[Uint8Array, Uint8Array, string]>(a.manager, 'warningReceived');
  const dropped = waitFor<[Uint8Array, DisconnectReason]>(b.manager, 'peerDisconnected');
  for (let i = 0; i < 40; i++)
    a.manager.send(B.id, { kind: 'unknown', type: 40001, payload: new Uint8Array(8) });
  assert.match((await warned)[2], /too many messages/);
  assert.equal((await dropped)[1].code, 'rate_limited');
});

test('inbound peers are capped, except persistent ones', async () => {
  const b = await start(B.priv, { limits: { maxInboundPeers: 1 } });
  const a = await start(A.priv);
  const c = await start(C.priv);
  await a.manager.connect(B.id, '127.0.0.1', b.port);
  const refused = waitFor<[Uint8Array, DisconnectReason, boolean]>(b.manager, 'connectionClosed');
  await assert.rejects(c.manager.connect(B.id, '127.0.0.1', b.port), {
    name: 'PeerError',
    code: 'disconnected',
  });
  const [id, reason] = await refused;
  assert.deepEqual(id, C.id);
  assert.equal(reason.code, 'too_many_peers');
  // A peer we keep channels with always gets in.
  b.manager.addPersistentPeer(C.id, '127.0.0.1', c.port);
  await waitFor(b.manager, 'peerConnected', (id: Uint8Array) => id[1] === C.id[1]);
  assert.equal(b.manager.peers().length, 2);
  b.manager.disconnect(C.id);
  b.manager.disconnect(A.id);
});

test('handshakes in progress are capped', async () => {
  const b = await start(B.priv, { limits: { maxPendingHandshakes: 1 } });
  const open = (): Promise<Socket> =>
    new Promise((resolve) => {
      const s = netConnect({ host: '127.0.0.1', port: b.port }, () => resolve(s));
      s.on('error', () => {});
    });
  const first = await open(); // idles in the handshake
  await new Promise((r) => setTimeout(r, 20));
  const second = await open();
  await once(second, 'close'); // dropped at once
  assert.equal(first.destroyed, false);
  first.destroy();
});
