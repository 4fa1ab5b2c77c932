// Interop scenario 1: ksnode and LDK 0.1 (npm lightningdevkit, in its own process) connect over
// loopback TCP in both directions: the BOLT 8 handshake, the `init` exchange (LDK must accept our
// features and networks) and ping/pong each way. Checked on our side at the message level and
// on LDK's side through what it reports (`peers`).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { regtestGenesisBlock } from '../../src/chain/devnet/index.js';
import {
  bytesToHex,
  equalBytes,
  isPrivateKey,
  publicKeyCreate,
  randomBytes,
  sha256d,
} from '../../src/crypto/index.js';
import { OUR_INIT_FEATURES, PeerManager } from '../../src/peer/index.js';
import { connect, listen, type NoiseConnection } from '../../src/transport/index.js';
import { FEATURES, Features, initFeatures, unknownRequiredFeatures } from '../../src/wire/index.js';
import { LdkPeer } from './ldk/client.js';
import { RawPeer } from './raw-peer.js';

/** BOLT 0: chain_hash is the genesis block hash, "not reversed but is used directly". */
const REGTEST_CHAIN_HASH = sha256d(regtestGenesisBlock().subarray(0, 80));
/** LDK's PeerManager tick: it pings every tick and drops a peer silent for a tick after a ping. */
// LDK's PeerManager tick. LDK drops a peer whose pong has not arrived by its next tick; on a loaded
// 2-core CI machine a 1 s tick let a starved LDK process tick twice before reading our pong, so the
// tick is long enough for our answer to arrive under load.
const PM_TICK_MS = 2500;

function nodeKey(): { privateKey: Uint8Array; nodeId: Uint8Array } {
  for (;;) {
    const privateKey = randomBytes(32);
    if (isPrivateKey(privateKey)) return { privateKey, nodeId: publicKeyCreate(privateKey) };
  }
}

/** The features LDK 0.1 insists on, by the notes (odd or even bit): it refuses peers without them. */
const LDK_REQUIRED = [
  FEATURES.optionDataLossProtect,
  FEATURES.varOnionOptin,
  FEATURES.optionStaticRemotekey,
  FEATURES.paymentSecret,
];

function ourInit() {
  return {
    kind: 'init' as const,
    globalfeatures: new Uint8Array(0),
    features: OUR_INIT_FEATURES.toBytes(),
    tlvs: { networks: [REGTEST_CHAIN_HASH] },
  };
}

/**
 * The `init` exchange on a fresh connection: LDK's init must come first and be acceptable to us,
 * and LDK must list us as connected with exactly our features.
 */
async function exchangeInit(ldk: LdkPeer, peer: RawPeer, ourNodeId: Uint8Array, inbound: boolean) {
  peer.send(ourInit());
  const theirInit = await peer.waitFor('init');
  // BOLT 1: "MUST send `init` as the first Lightning message for any connection."
  assert.equal(peer.received[0]?.kind, 'init', 'the first message from LDK is init');
  const theirFeatures = initFeatures(theirInit);
  const info = await ldk.info();
  assert.deepEqual(theirFeatures.toBytes(), info.initFeatures, 'LDK sends the features it reports');
  // BOLT 1: unknown even bits would oblige us to close; LDK must not require anything we lack.
  assert.deepEqual(unknownRequiredFeatures(theirFeatures, OUR_INIT_FEATURES), []);
  const networks = theirInit.tlvs?.networks;
  assert.ok(networks !== undefined, 'LDK sends networks');
  assert.ok(
    networks.some((c) => equalBytes(c, REGTEST_CHAIN_HASH)),
    'LDK is on regtest',
  );

  const seen = await ldk.waitPeer(ourNodeId, 10_000);
  assert.ok(equalBytes(seen.nodeId, ourNodeId));
  assert.equal(seen.inbound, inbound);
  assert.deepEqual(seen.features, OUR_INIT_FEATURES.toBytes(), 'LDK saw our init features');
  const theirView = Features.fromBytes(seen.features);
  for (const f of LDK_REQUIRED) assert.ok(theirView.offers(f), `LDK sees ${f.name} from us`);
  return theirInit;
}

/** Pings both ways: our ping answered by LDK's pong, LDK's ping answered by ours. */
async function pingBothWays(ldk: LdkPeer, peer: RawPeer, ourNodeId: Uint8Array): Promise<void> {
  const from = peer.received.length;
  peer.send({ kind: 'ping', numPongBytes: 12, ignored: new Uint8Array(20) });
  const pong = await peer.waitFor('pong', from, 5000);
  // BOLT 1: "MUST respond by sending a `pong` message, with `byteslen` equal to `num_pong_bytes`."
  assert.equal(pong.ignored.length, 12);

  const pongsBefore = peer.pongsSent;
  const ping = await peer.waitFor('ping', from, 4 * PM_TICK_MS);
  assert.ok(ping.numPongBytes < 65532, 'LDK asks for an answer');
  assert.equal(peer.pongsSent, pongsBefore + 1, 'we answered it');
  // LDK drops a peer that leaves a ping unanswered for a tick; three more ticks and still here.
  await new Promise((r) => setTimeout(r, 3 * PM_TICK_MS));
  assert.equal(peer.closeReason, undefined, 'LDK kept the connection');
  const peers = await ldk.peers();
  assert.ok(
    peers.some((p) => equalBytes(p.nodeId, ourNodeId)),
    'LDK still lists us',
  );
  assert.ok(peer.pongsSent > pongsBefore + 1, 'LDK went on pinging and we went on answering');
  const received = await ldk.logs(
    `Received message Pong(Pong { byteslen: 0 }) from ${bytesToHex(ourNodeId)}`,
  );
  assert.ok(received.length >= 2, 'LDK logged our pongs as received');
  assert.deepEqual(peer.decodeErrors, []);
}

let ldk: LdkPeer;

before(async () => {
  ldk = await LdkPeer.start({ pmTickMs: PM_TICK_MS, processMs: 100 });
});

after(async () => {
  await ldk?.stop();
});

test('ksnode connects to LDK: handshake, init, ping/pong both ways', { timeout: 60_000 }, async () => {
  const us = nodeKey();
  const conn = await connect({
    host: '127.0.0.1',
    port: ldk.port,
    localPrivateKey: us.privateKey,
    remoteNodeId: ldk.nodeId,
  });
  const peer = new RawPeer(conn);
  try {
    assert.ok(equalBytes(conn.remoteNodeId, ldk.nodeId), 'the handshake authenticated LDK');
    await exchangeInit(ldk, peer, us.nodeId, true);
    await pingBothWays(ldk, peer, us.nodeId);
  } finally {
    await peer.close();
  }
});

test('LDK connects to ksnode: handshake, init, ping/pong both ways', { timeout: 60_000 }, async () => {
  const us = nodeKey();
  const server = await listen({ host: '127.0.0.1', port: 0, localPrivateKey: us.privateKey });
  let peer: RawPeer | undefined;
  try {
    const accepted = once(server, 'connection') as Promise<[NoiseConnection]>;
    // LDK's connect returns once both inits are exchanged, so ours must go out meanwhile.
    const connecting = ldk.connect(us.nodeId, '127.0.0.1', server.port);
    const [conn] = await accepted;
    peer = new RawPeer(conn);
    assert.ok(equalBytes(conn.remoteNodeId, ldk.nodeId), 'the handshake authenticated LDK');
    await exchangeInit(ldk, peer, us.nodeId, false);
    const seen = await connecting;
    assert.equal(seen.inbound, false);
    assert.equal(seen.address, `127.0.0.1:${server.port}`);
    await pingBothWays(ldk, peer, us.nodeId);
  } finally {
    await peer?.close();
    await server.close();
  }
});

test('LDK drops a peer that does not answer its pings (the check above has teeth)', {
  timeout: 60_000,
}, async () => {
  const us = nodeKey();
  const conn = await connect({
    host: '127.0.0.1',
    port: ldk.port,
    localPrivateKey: us.privateKey,
    remoteNodeId: ldk.nodeId,
  });
  const peer = new RawPeer(conn, { answerPings: false });
  try {
    await exchangeInit(ldk, peer, us.nodeId, true);
    await peer.waitFor('ping', 0, 4 * PM_TICK_MS);
    const reason = await peer.waitClosed(5 * PM_TICK_MS);
    assert.equal(reason.kind, 'remote', 'LDK closed the connection');
    const peers = await ldk.peers();
    assert.ok(!peers.some((p) => equalBytes(p.nodeId, us.nodeId)), 'LDK no longer lists us');
  } finally {
    await peer.close();
  }
});

test('LDK refuses an init it cannot accept (so its acceptance of ours means something)', {
  timeout: 60_000,
}, async () => {
  const attempts = [
    {
      why: 'without option_static_remotekey and option_data_loss_protect',
      log: (id: Uint8Array) => `We require features unknown to our peer ${bytesToHex(id)}: [0, 12]`,
      init: {
        ...ourInit(),
        features: OUR_INIT_FEATURES.without(FEATURES.optionStaticRemotekey.required)
          .without(FEATURES.optionStaticRemotekey.optional)
          .without(FEATURES.optionDataLossProtect.required)
          .without(FEATURES.optionDataLossProtect.optional)
          .toBytes(),
      },
    },
    {
      why: 'for another chain only',
      log: () => 'Peer does not support any of our supported chains',
      init: { ...ourInit(), tlvs: { networks: [new Uint8Array(32).fill(0x6f)] } },
    },
  ];
  for (const { why, init, log } of attempts) {
    const us = nodeKey();
    const conn = await connect({
      host: '127.0.0.1',
      port: ldk.port,
      localPrivateKey: us.privateKey,
      remoteNodeId: ldk.nodeId,
    });
    const peer = new RawPeer(conn);
    const logsBefore = (await ldk.logs(log(us.nodeId))).length;
    try {
      peer.send(init);
      const reason = await peer.waitClosed(5000);
      assert.equal(reason.kind, 'remote', `LDK closes on an init ${why}`);
      const peers = await ldk.peers();
      assert.ok(!peers.some((p) => equalBytes(p.nodeId, us.nodeId)), `LDK does not list a peer ${why}`);
      const logsAfter = (await ldk.logs(log(us.nodeId))).length;
      assert.equal(logsAfter, logsBefore + 1, `LDK says why: ${log(us.nodeId)}`);
    } finally {
      await peer.close();
    }
  }
});

async function ldkStopsListing(ldk: LdkPeer, nodeId: Uint8Array, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await ldk.peers()).some((p) => equalBytes(p.nodeId, nodeId))) {
    if (Date.now() > deadline) throw new Error('LDK still lists the peer');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Both ends keep the session through three of LDK's ping ticks, LDK logging our pongs. */
async function staysConnected(peers: PeerManager, ourNodeId: Uint8Array): Promise<void> {
  const pongLog = `Received message Pong(Pong { byteslen: 0 }) from ${bytesToHex(ourNodeId)}`;
  const before = (await ldk.logs(pongLog)).length;
  await new Promise((r) => setTimeout(r, 3 * PM_TICK_MS));
  assert.ok(peers.isConnected(ldk.nodeId), 'we kept the connection');
  assert.ok(
    (await ldk.peers()).some((p) => equalBytes(p.nodeId, ourNodeId)),
    'LDK kept the connection',
  );
  assert.ok((await ldk.logs(pongLog)).length >= before + 2, 'our PeerManager answered LDK’s pings');
}

test("ksnode's PeerManager and LDK: both directions, pings answered, sessions kept", {
  timeout: 60_000,
}, async () => {
  const us = nodeKey();
  const peers = new PeerManager({
    localPrivateKey: us.privateKey,
    chainHash: REGTEST_CHAIN_HASH,
    timing: { pingIntervalMs: 500 },
  });
  const disconnects: string[] = [];
  peers.on('peerDisconnected', (_id, reason) => disconnects.push(reason.message));
  try {
    const ldkInit = (await ldk.info()).initFeatures;
    const out = await peers.connect(ldk.nodeId, '127.0.0.1', ldk.port);
    assert.equal(out.state, 'active');
    assert.equal(out.direction, 'outbound');
    assert.deepEqual(out.features?.toBytes(), ldkInit, 'we hold the features LDK sent');
    const seenOut = await ldk.waitPeer(us.nodeId, 5000);
    assert.equal(seenOut.inbound, true);
    assert.deepEqual(seenOut.features, OUR_INIT_FEATURES.toBytes());
    const [pongFrom] = (await once(peers, 'pong')) as [Uint8Array, number];
    assert.ok(equalBytes(pongFrom, ldk.nodeId), 'LDK answered our ping');
    await staysConnected(peers, us.nodeId);
    assert.deepEqual(disconnects, []);

    assert.equal(peers.disconnect(ldk.nodeId), true);
    await ldkStopsListing(ldk, us.nodeId);

    const { port } = await peers.listen('127.0.0.1', 0);
    const connected = once(peers, 'peerConnected') as Promise<[Uint8Array, Features, { direction: string }]>;
    const seenIn = await ldk.connect(us.nodeId, '127.0.0.1', port);
    const [id, features, info] = await connected;
    assert.ok(equalBytes(id, ldk.nodeId));
    assert.equal(info.direction, 'inbound');
    assert.deepEqual(features.toBytes(), ldkInit);
    assert.equal(seenIn.inbound, false);
    assert.deepEqual(seenIn.features, OUR_INIT_FEATURES.toBytes());
    await staysConnected(peers, us.nodeId);
    assert.equal(disconnects.length, 1, 'only our own disconnect');
  } finally {
    await peers.close();
  }
});
