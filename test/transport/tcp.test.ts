// The node:net adapter over real loopback TCP: bulk exchange, tampering, timeouts, refusals.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { hexToBytes, publicKeyCreate, randomBytes } from '../../src/crypto/index.js';
import {
  type CloseReason,
  connect,
  encryptMessage,
  expectedActLength,
  listen,
  type NoiseConnection,
  type NoiseServer,
  receiveAct,
  startInitiator,
  TransportError,
} from '../../src/transport/index.js';

const serverKey = hexToBytes('21'.repeat(32));
const clientKey = hexToBytes('11'.repeat(32));
const serverId = publicKeyCreate(serverKey);
const clientId = publicKeyCreate(clientKey);

/** Deterministic PRNG (mulberry32): both ends derive the same message sizes and offsets. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

async function withServer<T>(
  run: (server: NoiseServer) => Promise<T>,
  options: { handshakeTimeoutMs?: number } = {},
): Promise<T> {
  const server = await listen({ host: '127.0.0.1', port: 0, localPrivateKey: serverKey, ...options });
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

/** Connects a client and returns both ends of the session. */
async function pair(server: NoiseServer): Promise<{ client: NoiseConnection; remote: NoiseConnection }> {
  const accepted = once(server, 'connection') as Promise<[NoiseConnection]>;
  const client = await connect({
    host: '127.0.0.1',
    port: server.port,
    localPrivateKey: clientKey,
    remoteNodeId: serverId,
  });
  const [remote] = await accepted;
  return { client, remote };
}

async function expectRejection(p: Promise<unknown>, code: string): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected a rejection with ${code}`);
}

test('loopback: 10,000 messages of random sizes each way, content and order verified', async () => {
  const COUNT = 10_000;
  // Messages are slices of one random pool, so that checking content costs a compare, not a hash.
  const pool = randomBytes(2 * 65536);
  const plan = (seed: number) => {
    const random = prng(seed);
    return Array.from({ length: COUNT }, (_, i) => {
      // Uniform in 0..65535, with both extremes included.
      const length = i === 0 ? 0 : i === 1 ? 65535 : random(65536);
      return { offset: random(65536), length };
    });
  };
  const message = (p: { offset: number; length: number }) => pool.subarray(p.offset, p.offset + p.length);

  async function sendAll(conn: NoiseConnection, seed: number): Promise<void> {
    for (const p of plan(seed)) {
      const status = conn.send(message(p));
      assert.notEqual(status, 'closed');
      if (status === 'buffer_full') await once(conn, 'drain');
    }
  }
  async function receiveWithIterator(conn: NoiseConnection, seed: number): Promise<number> {
    const expected = plan(seed);
    let i = 0;
    for await (const m of conn.messages()) {
      assert.deepEqual(m, message(expected[i]!), `message ${i}`);
      if (++i === COUNT) break;
    }
    return i;
  }
  function receiveWithListener(conn: NoiseConnection, seed: number): Promise<number> {
    const expected = plan(seed);
    let i = 0;
    return new Promise((resolve, reject) => {
      conn.on('message', (m) => {
        try {
          assert.deepEqual(m, message(expected[i]!), `message ${i}`);
        } catch (e) {
          reject(e);
        }
        if (++i === COUNT) resolve(i);
      });
      conn.on('close', (r) => reject(new Error(`closed early: ${JSON.stringify(r)}`)));
    });
  }

  await withServer(async (server) => {
    const { client, remote } = await pair(server);
    assert.deepEqual(client.remoteNodeId, serverId);
    assert.deepEqual(remote.remoteNodeId, clientId);
    assert.equal(client.initiator, true);
    assert.equal(remote.initiator, false);
    const [, , toRemote, toClient] = await Promise.all([
      sendAll(client, 1),
      sendAll(remote, 2),
      receiveWithIterator(remote, 1),
      receiveWithListener(client, 2),
    ]);
    assert.equal(toRemote, COUNT);
    assert.equal(toClient, COUNT);
    client.removeAllListeners('close');
    client.close();
    const [clientReason, remoteReason] = await Promise.all([client.closed, remote.closed]);
    assert.deepEqual(clientReason, { kind: 'local' });
    assert.deepEqual(remoteReason, { kind: 'remote' });
    assert.equal(client.send(new Uint8Array(1)), 'closed');
  });
});

/** A raw TCP client that runs the initiator's side of the handshake by hand, then writes raw bytes. */
async function rawInitiator(
  port: number,
): Promise<{ socket: Socket; frame: (m: Uint8Array) => Uint8Array; act3: Uint8Array }> {
  const { state, actOne } = startInitiator({
    localPrivateKey: clientKey,
    remoteNodeId: serverId,
    ephemeralPrivateKey: hexToBytes('12'.repeat(32)),
  });
  const socket = netConnect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write(actOne);
  const chunks: Buffer[] = [];
  let have = 0;
  while (have < expectedActLength(state)) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    chunks.push(chunk);
    have += chunk.length;
  }
  socket.pause();
  const step = receiveAct(state, new Uint8Array(Buffer.concat(chunks)));
  assert.equal(step.kind, 'complete');
  if (step.kind !== 'complete') throw new Error('unreachable');
  return { socket, act3: step.reply!, frame: (m) => encryptMessage(step.sending, m) };
}

test('a tampered frame: the receiver drops the connection with a bad_frame error, after the good ones', async () => {
  await withServer(async (server) => {
    const accepted = once(server, 'connection') as Promise<[NoiseConnection]>;
    const raw = await rawInitiator(server.port);
    const good = raw.frame(new Uint8Array([0, 16, 1, 2, 3]));
    const bad = raw.frame(new Uint8Array([0, 18, 4, 5, 6, 7]));
    bad[bad.length - 3] = bad[bad.length - 3]! ^ 0x01;
    // Act three, a good message and the tampered one arrive together: the good one is delivered.
    raw.socket.write(Buffer.concat([raw.act3, good, bad]));
    const [conn] = await accepted;
    assert.deepEqual(conn.remoteNodeId, clientId);
    const received: Uint8Array[] = [];
    conn.on('message', (m) => received.push(m));
    const reason: CloseReason = await conn.closed;
    assert.equal(reason.kind, 'error');
    if (reason.kind !== 'error') return;
    assert.equal(reason.error.code, 'bad_frame');
    assert.equal(reason.error.frame?.failure, 'bad_message_tag');
    assert.deepEqual(received, [new Uint8Array([0, 16, 1, 2, 3])]);
    raw.socket.resume();
    await once(raw.socket, 'close'); // the server hung up on us
    assert.equal(conn.send(new Uint8Array(2)), 'closed');
  });
});

test('handshake timeout against a silent server', async () => {
  const silent = createServer(() => {});
  const sockets: Socket[] = [];
  silent.on('connection', (s) => sockets.push(s));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const { port } = silent.address() as AddressInfo;
    const started = performance.now();
    const error = await expectRejection(
      connect({
        host: '127.0.0.1',
        port,
        localPrivateKey: clientKey,
        remoteNodeId: serverId,
        handshakeTimeoutMs: 200,
      }),
      'handshake_timeout',
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 2000, `timed out after ${elapsed} ms`);
    assert.match(error.message, /200 ms/);
    assert.equal(sockets.length, 1);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('handshake timeout against a silent client, on the server side', async () => {
  await withServer(
    async (server) => {
      const failed = once(server, 'handshakeError') as Promise<
        [TransportError, { address: string; port: number }]
      >;
      const socket = netConnect({ host: '127.0.0.1', port: server.port });
      await once(socket, 'connect');
      assert.equal(server.pendingHandshakes, 1);
      const [error, remote] = await failed;
      assert.equal(error.code, 'handshake_timeout');
      assert.equal(remote.port, socket.localPort);
      await once(socket, 'close');
      assert.equal(server.pendingHandshakes, 0);
    },
    { handshakeTimeoutMs: 150 },
  );
});

test('a wrong node id: the server refuses act one and hangs up without a word', async () => {
  await withServer(async (server) => {
    const failed = once(server, 'handshakeError') as Promise<[TransportError]>;
    const wrongId = publicKeyCreate(hexToBytes('33'.repeat(32)));
    await expectRejection(
      connect({ host: '127.0.0.1', port: server.port, localPrivateKey: clientKey, remoteNodeId: wrongId }),
      'connection_closed',
    );
    const [error] = await failed;
    assert.equal(error.code, 'handshake_failed');
    assert.deepEqual(
      { act: error.handshake?.act, failure: error.handshake?.failure },
      { act: 1, failure: 'bad_tag' },
    );
  });
});

test('a bad act two: the client reports handshake_failed', async () => {
  // A fake responder that answers act one with 50 bytes of version 1.
  const fake = createServer((s) => {
    s.once('data', () => s.write(new Uint8Array(50).fill(1)));
    s.on('error', () => {});
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  try {
    const { port } = fake.address() as AddressInfo;
    const error = await expectRejection(
      connect({ host: '127.0.0.1', port, localPrivateKey: clientKey, remoteNodeId: serverId }),
      'handshake_failed',
    );
    assert.deepEqual(
      { act: error.handshake?.act, failure: error.handshake?.failure },
      { act: 2, failure: 'bad_version' },
    );
  } finally {
    fake.close();
  }
});

test('connection refused is connect_failed; bad arguments are invalid_argument', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as AddressInfo;
  closed.close();
  await once(closed, 'close');
  await expectRejection(
    connect({ host: '127.0.0.1', port, localPrivateKey: clientKey, remoteNodeId: serverId }),
    'connect_failed',
  );
  const base = { host: '127.0.0.1', port, localPrivateKey: clientKey, remoteNodeId: serverId };
  await expectRejection(connect({ ...base, remoteNodeId: serverId.subarray(1) }), 'invalid_argument');
  await expectRejection(connect({ ...base, localPrivateKey: new Uint8Array(32) }), 'invalid_argument');
  await expectRejection(connect({ ...base, port: 70000 }), 'invalid_argument');
  await expectRejection(connect({ ...base, handshakeTimeoutMs: 0 }), 'invalid_argument');
  await expectRejection(listen({ port: -1, localPrivateKey: serverKey }), 'invalid_argument');
});

test('send refuses a message over 65535 bytes with message_too_large; the session survives', async () => {
  await withServer(async (server) => {
    const { client, remote } = await pair(server);
    assert.throws(
      () => client.send(new Uint8Array(65536)),
      (e: unknown) => e instanceof TransportError && e.code === 'message_too_large',
    );
    assert.equal(client.send(new Uint8Array([7])), 'ok');
    const it = remote.messages();
    assert.deepEqual((await it.next()).value, new Uint8Array([7]));
    remote.close();
    assert.deepEqual(await client.closed, { kind: 'remote' });
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });
});

test('receive backpressure: with no consumer, reading pauses; every message arrives once consumed', async () => {
  const server = await listen({ port: 0, localPrivateKey: serverKey, limits: { maxBufferedMessages: 8 } });
  try {
    const { client, remote } = await pair(server);
    const COUNT = 3000;
    for (let i = 0; i < COUNT; i++) client.send(new Uint8Array(1000).fill(i & 0xff));
    await new Promise((r) => setTimeout(r, 100));
    // Reading stopped long before everything (3 MB) was decrypted.
    assert.ok(remote.bufferedMessages < COUNT / 2, `buffered ${remote.bufferedMessages}`);
    let i = 0;
    for await (const m of remote.messages()) {
      assert.equal(m.length, 1000);
      assert.equal(m[999], i & 0xff);
      if (++i === COUNT) break;
    }
    assert.equal(i, COUNT);
    client.close();
    await remote.closed;
  } finally {
    await server.close();
  }
});

test('a message over the receiver maxMessageLength drops the connection with message_too_large', async () => {
  const server = await listen({ port: 0, localPrivateKey: serverKey, limits: { maxMessageLength: 1000 } });
  try {
    const { client, remote } = await pair(server);
    const received: Uint8Array[] = [];
    remote.on('message', (m) => received.push(m));
    assert.equal(client.send(new Uint8Array(1000)), 'ok');
    client.send(new Uint8Array(1001));
    const reason = await remote.closed;
    assert.equal(reason.kind === 'error' && reason.error.code, 'bad_frame');
    assert.equal(reason.kind === 'error' && reason.error.frame?.failure, 'message_too_large');
    assert.deepEqual(received, [new Uint8Array(1000)]);
    assert.deepEqual(await client.closed, { kind: 'remote' });
  } finally {
    await server.close();
  }
});

test('a server with no connection listener closes authenticated connections at once', async () => {
  const server = await listen({ port: 0, localPrivateKey: serverKey });
  try {
    const client = await connect({
      host: '127.0.0.1',
      port: server.port,
      localPrivateKey: clientKey,
      remoteNodeId: serverId,
    });
    assert.deepEqual(await client.closed, { kind: 'remote' });
  } finally {
    await server.close();
  }
});
