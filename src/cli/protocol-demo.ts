// `ksnode protocol-demo`: the protocol core at work, end to end, in one process and on loopback.
// Until the full node and its local-network demo land (issue 9), this is what `npm start` runs:
// every step uses the real codecs and crypto, and the command fails (exit 1) if any check fails.
import { bytesToHex, equalBytes, publicKeyCreate, randomBytes, sha256 } from '../crypto/index.js';
import { buildInvoiceContents, decodeInvoice, encodeInvoice } from '../invoice/index.js';
import {
  buildOnion,
  chatMessage,
  createFailure,
  decodePodcastRecord,
  decryptFailure,
  encodeHopPayload,
  PODCAST_RECORD_TYPE,
  peelOnion,
  signSenderRecords,
  verifySenderRecords,
  wrapFailure,
} from '../onion/index.js';
import { connect, listen } from '../transport/index.js';
import { decodeMessage, encodeMessage, FEATURES, Features } from '../wire/index.js';

type Log = (line: string) => void;

const scidString = (s: bigint) => `${s >> 40n}x${(s >> 16n) & 0xffffffn}x${s & 0xffffn}`;

class DemoCheckFailed extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new DemoCheckFailed(what);
}

const REGTEST_CHAIN_HASH = '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f';

async function transportStep(log: Log, alicePriv: Uint8Array, bobPriv: Uint8Array): Promise<void> {
  const server = await listen({
    host: '127.0.0.1',
    port: 0,
    localPrivateKey: bobPriv,
    handshakeTimeoutMs: 5000,
  });
  try {
    const accepted = new Promise<import('../transport/index.js').NoiseConnection>((resolve) =>
      server.on('connection', resolve),
    );
    const alice = await connect({
      host: '127.0.0.1',
      port: server.port,
      localPrivateKey: alicePriv,
      remoteNodeId: publicKeyCreate(bobPriv),
      handshakeTimeoutMs: 5000,
    });
    const bob = await accepted;
    log(
      `BOLT 8: alice connected to bob at 127.0.0.1:${server.port}; handshake complete, bob sees alice's node id`,
    );
    check(equalBytes(bob.remoteNodeId, publicKeyCreate(alicePriv)), 'bob learned the wrong node id');

    const features = Features.empty
      .withRequired(FEATURES.optionDataLossProtect)
      .withRequired(FEATURES.varOnionOptin)
      .withRequired(FEATURES.optionStaticRemotekey)
      .withRequired(FEATURES.paymentSecret)
      .withOptional(FEATURES.basicMpp);
    const init = encodeMessage({
      kind: 'init',
      globalfeatures: new Uint8Array(0),
      features: features.toBytes(),
      tlvs: { networks: [Uint8Array.from(Buffer.from(REGTEST_CHAIN_HASH, 'hex'))] },
    });
    const bobInbox = bob.messages()[Symbol.asyncIterator]();
    const aliceInbox = alice.messages()[Symbol.asyncIterator]();
    alice.send(init);
    const got = decodeMessage((await bobInbox.next()).value as Uint8Array);
    check(got.ok && got.value.kind === 'init', 'bob did not receive init');
    log(`BOLT 1: bob received init with features ${features.describe()}`);

    bob.send(encodeMessage({ kind: 'ping', numPongBytes: 32, ignored: new Uint8Array(16) }));
    const ping = decodeMessage((await aliceInbox.next()).value as Uint8Array);
    check(ping.ok && ping.value.kind === 'ping', 'alice did not receive ping');
    if (ping.ok && ping.value.kind === 'ping') {
      alice.send(encodeMessage({ kind: 'pong', ignored: new Uint8Array(ping.value.numPongBytes) }));
    }
    const pong = decodeMessage((await bobInbox.next()).value as Uint8Array);
    check(
      pong.ok && pong.value.kind === 'pong' && pong.value.ignored.length === 32,
      'pong missing or wrong size',
    );
    log('BOLT 1: ping(num_pong_bytes=32) answered by a 32-byte pong over the encrypted stream');
    alice.close();
    bob.close();
    await Promise.all([alice.closed, bob.closed]);
  } finally {
    await server.close();
  }
}

function keysendStep(log: Log, keys: Uint8Array[]): void {
  const names = ['bob', 'carol', 'dave'];
  const nodeIds = keys.map((k) => publicKeyCreate(k));
  const sender = randomBytes(32);
  const recipientId = nodeIds[2] as Uint8Array;
  // bLIP 3: the sender draws the preimage; the payment hash is its SHA-256.
  const preimage = randomBytes(32);
  const paymentHash = sha256(preimage);
  const height = 800_000;
  const amountMsat = 21_000_000n;
  const boost = JSON.stringify({
    action: 'boost',
    value_msat_total: 21000000,
    app_name: 'ksnode',
    podcast: 'Demo',
  });
  const chat = signSenderRecords({
    message: 'thanks for the show!',
    recipientNodeId: recipientId,
    timestampNs: 1_764_000_000_000_000_000n,
    senderPrivateKey: sender,
  });
  const finalRecords = [...chat, { type: PODCAST_RECORD_TYPE, value: new TextEncoder().encode(boost) }].sort(
    (a, b) => (a.type < b.type ? -1 : 1),
  );
  // Route alice -> bob -> carol -> dave, 1 sat + 100 ppm fee and 40 blocks of CLTV per forwarding hop.
  const payloads = [
    encodeHopPayload({
      amtToForwardMsat: amountMsat + 1_000n + 2_100n,
      outgoingCltvValue: height + 80,
      shortChannelId: (800_000n << 40n) | (1n << 16n),
    }),
    encodeHopPayload({
      amtToForwardMsat: amountMsat,
      outgoingCltvValue: height + 40,
      shortChannelId: (800_000n << 40n) | (2n << 16n),
    }),
    encodeHopPayload({
      amtToForwardMsat: amountMsat,
      outgoingCltvValue: height + 40,
      keysendPreimage: preimage,
      records: finalRecords,
    }),
  ];
  const sessionKey = randomBytes(32);
  const onion = buildOnion(
    nodeIds.map((nodeId, i) => ({ nodeId, payload: payloads[i] as Uint8Array })),
    sessionKey,
    paymentHash,
  );
  log(
    `BOLT 4: alice built a ${onion.packet.length}-byte onion for ${names.join(' -> ')} (payment_hash ${bytesToHex(paymentHash).slice(0, 16)}...)`,
  );

  let packet = onion.packet;
  for (let i = 0; i < 3; i++) {
    const r = peelOnion(packet, keys[i] as Uint8Array, paymentHash);
    if (r.kind === 'forward') {
      log(
        `  ${names[i]} peeled its layer: forward ${r.payload.amtToForwardMsat} msat over scid ${scidString(r.payload.shortChannelId)}`,
      );
      packet = r.nextPacket;
    } else if (r.kind === 'final') {
      const p = r.payload;
      check(
        p.keysendPreimage !== undefined && equalBytes(sha256(p.keysendPreimage), paymentHash),
        'keysend preimage does not hash to payment_hash',
      );
      log(`  ${names[i]} is the final hop: keysend preimage present and sha256(preimage) == payment_hash`);
      const message = chatMessage(p.records);
      const sender = verifySenderRecords(p.records, recipientId);
      const podcast = p.records.get(PODCAST_RECORD_TYPE);
      const decoded = podcast === undefined ? undefined : decodePodcastRecord(podcast);
      check(message === 'thanks for the show!', 'chat message lost');
      check(sender.kind === 'verified', 'signed sender did not verify');
      check(decoded?.ok === true && decoded.value.action === 'boost', 'podcast boost lost');
      log(
        `  message "${message}" from a ${sender.kind} sender; bLIP-10 ${decoded?.ok ? decoded.value.action : '?'} from app "${decoded?.ok ? decoded.value.appName : '?'}"`,
      );
    } else {
      throw new DemoCheckFailed(`${names[i]} could not peel the onion: ${r.kind}`);
    }
  }

  // A failure created by carol (hop index 1), wrapped by bob, decrypted and attributed by alice.
  const atCarol = createFailure(onion.sharedSecrets[1] as Uint8Array, { name: 'temporary_node_failure' });
  const atAlice = wrapFailure(onion.sharedSecrets[0] as Uint8Array, atCarol);
  const failure = decryptFailure(onion.sharedSecrets, atAlice);
  check(failure.kind === 'attributed' && failure.hopIndex === 1, 'failure not attributed to carol');
  log(
    `BOLT 4: a failure created by carol and wrapped by bob is attributed by alice to hop ${failure.kind === 'attributed' ? failure.hopIndex : '?'} (${failure.kind === 'attributed' ? failure.failure?.name : ''})`,
  );
}

function invoiceStep(log: Log, payeeKey: Uint8Array): void {
  const preimage = randomBytes(32);
  const contents = buildInvoiceContents({
    network: 'regtest',
    timestamp: Math.floor(Date.now() / 1000),
    amountMsat: 150_000n,
    paymentHash: sha256(preimage),
    paymentSecret: randomBytes(32),
    description: 'ksnode protocol demo',
    expirySeconds: 3600,
    minFinalCltvExpiryDelta: 40,
    features: [9, 14, 16],
  });
  const text = encodeInvoice(contents, payeeKey);
  const back = decodeInvoice(text);
  check(
    back.amountMsat === 150_000n && equalBytes(back.payeeNodeId, publicKeyCreate(payeeKey)),
    'invoice round trip',
  );
  log(`BOLT 11: ${text.slice(0, 48)}... decodes to 150000 msat, payee recovered from the signature`);
}

export async function runProtocolDemo(log: Log = (l) => process.stdout.write(`${l}\n`)): Promise<boolean> {
  const keys = [randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(32)];
  try {
    await transportStep(log, keys[0] as Uint8Array, keys[1] as Uint8Array);
    keysendStep(log, keys.slice(1));
    invoiceStep(log, keys[3] as Uint8Array);
    log('protocol demo: all checks passed');
    return true;
  } catch (e) {
    if (e instanceof DemoCheckFailed) {
      log(`protocol demo FAILED: ${e.message}`);
      return false;
    }
    throw e;
  }
}
