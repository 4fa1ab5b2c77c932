// BOLT 4 returned failures: onion-error-test.json and the markdown attribution vectors byte-exact,
// attribution of failures to every hop of a route, and every failure code's codec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bytesToHex, hexToBytes, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import {
  buildOnion,
  buildReturnPacket,
  createAttributableFailure,
  createFailure,
  createFulfillAttribution,
  type DecryptedFailure,
  decodeFailureMessage,
  decryptFailure,
  encodeFailureMessage,
  encodeHopPayload,
  FAILURE_MESSAGES,
  type FailureName,
  failureCode,
  failureFlags,
  failureName,
  generateCipherStream,
  generateKey,
  type OnionFailure,
  type OnionFailureOf,
  onionSharedSecrets,
  peelOnion,
  verifyFulfillAttribution,
  wrapAttributableFailure,
  wrapFailure,
  wrapFulfillAttribution,
} from '../../src/onion/index.js';

interface ErrorVector {
  generate: {
    session_key: string;
    failure_message: string;
    hops: {
      pubkey: string;
      hop_shared_secret: string;
      ammag_key: string;
      um_key?: string;
      payload?: string;
    }[];
  };
  errorpacket: string;
}
const errorVector = JSON.parse(
  readFileSync(new URL('../../../shared/specs/bolts/bolt04/onion-error-test.json', import.meta.url), 'utf8'),
) as ErrorVector;

interface AttributionVector {
  session_key: string;
  hops: { pubkey: string; htlc_hold_time: number }[];
  failure_source: number;
  failure: {
    encoded_failure_message: string;
    shared_secret: string;
    payload: string;
    um_key: string;
    raw_error_packet: string;
  };
  forwarding: {
    node: number;
    shared_secret: string;
    ammag_key: string;
    stream: string;
    error_packet: string;
    attribution_data: string;
  }[];
  success: { node: number; attribution_data: string }[];
}
const attributionVector = JSON.parse(
  readFileSync(new URL('../fixtures/onion/attribution-test.json', import.meta.url), 'utf8'),
) as AttributionVector;

/**
 * The vector lists `htlc_hold_time[i]` next to `pubkey[i]`, but its data was generated with the
 * hold times in return order: the erring node 4 reports htlc_hold_time[0] = 1, node 0 reports 5.
 */
function holdTimeOf(node: number): number {
  return attributionVector.hops[attributionVector.hops.length - 1 - node]?.htlc_hold_time ?? -1;
}

function attributed(d: DecryptedFailure) {
  assert.equal(d.kind, 'attributed');
  if (d.kind !== 'attributed') throw new Error('unreachable');
  return d;
}

test('onion-error-test.json: keys, each wrapped packet, and the origin attributes it to hop 4', () => {
  const g = errorVector.generate;
  const sessionKey = hexToBytes(g.session_key);
  const nodeIds = g.hops.map((h) => hexToBytes(h.pubkey));
  const secrets = onionSharedSecrets(sessionKey, nodeIds);
  for (const [i, h] of g.hops.entries()) {
    assert.equal(bytesToHex(secrets[i] as Uint8Array), h.hop_shared_secret, `hop ${i} shared secret`);
    assert.equal(bytesToHex(generateKey('ammag', secrets[i] as Uint8Array)), h.ammag_key, `hop ${i} ammag`);
  }
  const erring = g.hops[4];
  assert.ok(erring?.um_key !== undefined && erring.payload !== undefined);
  assert.equal(bytesToHex(generateKey('um', secrets[4] as Uint8Array)), erring.um_key);
  const raw = buildReturnPacket(secrets[4] as Uint8Array, hexToBytes(g.failure_message));
  // The vector's payload omits the HMAC.
  assert.equal(bytesToHex(raw.subarray(32)), erring.payload);

  let packet = createFailure(secrets[4] as Uint8Array, hexToBytes(g.failure_message));
  // Each hop back must undo exactly one ammag layer: check every intermediate packet against the
  // vector's keys, then the packet the origin receives byte-exact.
  for (let i = 3; i >= 0; i--) {
    const before = packet;
    packet = wrapFailure(secrets[i] as Uint8Array, packet);
    const stream = generateCipherStream(
      hexToBytes((g.hops[i] as { ammag_key: string }).ammag_key),
      before.length,
    );
    assert.deepEqual(
      packet,
      before.map((b, k) => b ^ (stream[k] as number)),
      `wrap at hop ${i}`,
    );
  }
  assert.equal(bytesToHex(packet), errorVector.errorpacket);

  const d = attributed(decryptFailure({ sessionKey, hopNodeIds: nodeIds }, packet));
  assert.equal(d.hopIndex, 4);
  assert.equal(d.code, 0x2002);
  assert.deepEqual(d.failure, { name: 'temporary_node_failure' });
});

test('BOLT 4 attribution vector: every forwarding step and its attribution data, byte-exact', () => {
  const v = attributionVector;
  const nodeIds = v.hops.map((h) => hexToBytes(h.pubkey));
  const secrets = onionSharedSecrets(hexToBytes(v.session_key), nodeIds);
  const f = v.failure;
  assert.equal(bytesToHex(secrets[4] as Uint8Array), f.shared_secret);
  assert.equal(bytesToHex(generateKey('um', secrets[4] as Uint8Array)), f.um_key);

  // The encoded message: incorrect_or_unknown_payment_details(100, 800000) plus a TLV of 300 x 0x80,
  // padded to 1024 bytes by the vector's implementation (BOLT 4 asks for at least 256).
  const failure: OnionFailure = {
    name: 'incorrect_or_unknown_payment_details',
    htlcMsat: 100n,
    height: 800000,
    tlvs: [{ type: 34001n, value: new Uint8Array(300).fill(128) }],
  };
  const msg = encodeFailureMessage(failure);
  assert.equal(bytesToHex(msg), f.encoded_failure_message.slice(0, msg.length * 2));
  const raw = buildReturnPacket(secrets[4] as Uint8Array, msg, 1024);
  assert.equal(bytesToHex(raw), f.raw_error_packet);
  assert.equal(bytesToHex(raw.subarray(32)), f.payload);
  assert.deepEqual(decodeFailureMessage(msg), { ok: true, value: failure });

  const first = v.forwarding[0];
  assert.ok(first !== undefined && first.node === 4);
  let step = createAttributableFailure(secrets[4] as Uint8Array, failure, holdTimeOf(4), 1024);
  for (const [k, s] of v.forwarding.entries()) {
    const ss = secrets[s.node] as Uint8Array;
    assert.equal(bytesToHex(ss), s.shared_secret, `node ${s.node} secret`);
    assert.equal(bytesToHex(generateKey('ammag', ss)), s.ammag_key);
    assert.equal(bytesToHex(generateCipherStream(generateKey('ammag', ss), s.stream.length / 2)), s.stream);
    if (k > 0) step = wrapAttributableFailure(ss, step.reason, step.attributionData, holdTimeOf(s.node));
    assert.equal(bytesToHex(step.reason), s.error_packet, `error packet for node ${s.node}`);
    assert.equal(bytesToHex(step.attributionData), s.attribution_data, `attribution data for node ${s.node}`);
  }

  const d = attributed(decryptFailure(secrets, step.reason, step.attributionData));
  assert.equal(d.hopIndex, v.failure_source);
  assert.deepEqual(d.failure, failure);
  assert.deepEqual(d.attribution, { verifiedHops: 5, holdTimes: [5, 4, 3, 2, 1] });
});

test('BOLT 4 attribution vector: fulfill attribution data, byte-exact, and its hold times', () => {
  const v = attributionVector;
  const secrets = onionSharedSecrets(
    hexToBytes(v.session_key),
    v.hops.map((h) => hexToBytes(h.pubkey)),
  );
  let data: Uint8Array | undefined;
  for (const s of v.success) {
    const ss = secrets[s.node] as Uint8Array;
    const hold = holdTimeOf(s.node);
    data = data === undefined ? createFulfillAttribution(ss, hold) : wrapFulfillAttribution(ss, data, hold);
    assert.equal(bytesToHex(data), s.attribution_data, `success attribution for node ${s.node}`);
  }
  assert.ok(data !== undefined);
  assert.deepEqual(verifyFulfillAttribution(secrets, data), { verifiedHops: 5, holdTimes: [5, 4, 3, 2, 1] });
  // Node 2 alters the hold time node 3 reported (slot 1) after computing its own HMACs: nodes 0 and
  // 1 sign the altered bytes, node 2's HMAC no longer matches, so blame falls on the pair (1, 2).
  let tampered: Uint8Array | undefined;
  for (const s of v.success) {
    const ss = secrets[s.node] as Uint8Array;
    tampered =
      tampered === undefined ? createFulfillAttribution(ss, 7) : wrapFulfillAttribution(ss, tampered, 7);
    if (s.node === 2) tampered[5] = (tampered[5] as number) ^ 1;
  }
  assert.ok(tampered !== undefined);
  assert.deepEqual(verifyFulfillAttribution(secrets, tampered), { verifiedHops: 2, holdTimes: [7, 7] });
});

// A 5-hop route of our own for attribution from every position.
const privs = Array.from({ length: 5 }, (_, i) => sha256(new TextEncoder().encode(`failure hop ${i}`)));
const nodeIds = privs.map(publicKeyCreate);
const sessionKey = sha256(new TextEncoder().encode('failure session'));
const paymentHash = sha256(new TextEncoder().encode('failure payment'));

/** Peels the onion hop by hop, returning each hop's shared secret as seen by that hop. */
function hopSecrets(): Uint8Array[] {
  const payloads = nodeIds.map((_, i) =>
    i === 4
      ? encodeHopPayload({ amtToForwardMsat: 1000n, outgoingCltvValue: 100 })
      : encodeHopPayload({
          amtToForwardMsat: 1000n,
          outgoingCltvValue: 100 + i,
          shortChannelId: BigInt(i + 1),
        }),
  );
  const { packet } = buildOnion(
    nodeIds.map((nodeId, i) => ({ nodeId, payload: payloads[i] as Uint8Array })),
    sessionKey,
    paymentHash,
  );
  const out: Uint8Array[] = [];
  let p = packet;
  for (const priv of privs) {
    const r = peelOnion(p, priv, paymentHash);
    assert.ok(r.kind === 'forward' || r.kind === 'final');
    out.push(r.sharedSecret);
    if (r.kind === 'forward') p = r.nextPacket;
  }
  return out;
}

test('a failure from every hop of a 5-hop route is attributed to that hop (with and without attribution data)', () => {
  const secrets = hopSecrets();
  for (let e = 0; e < 5; e++) {
    const failure: OnionFailure = {
      name: 'fee_insufficient',
      htlcMsat: BigInt(e),
      channelUpdate: Uint8Array.of(e),
    };
    let reason = createFailure(secrets[e] as Uint8Array, failure);
    let withData = createAttributableFailure(secrets[e] as Uint8Array, failure, 10 + e);
    for (let i = e - 1; i >= 0; i--) {
      reason = wrapFailure(secrets[i] as Uint8Array, reason);
      withData = wrapAttributableFailure(
        secrets[i] as Uint8Array,
        withData.reason,
        withData.attributionData,
        10 + i,
      );
    }
    assert.deepEqual(withData.reason, reason, 'attribution does not change the reason bytes');
    const d = attributed(decryptFailure({ sessionKey, hopNodeIds: nodeIds }, reason));
    assert.equal(d.hopIndex, e);
    assert.deepEqual(d.failure, failure);
    assert.equal(d.attribution, undefined);
    const a = attributed(decryptFailure(secrets, withData.reason, withData.attributionData));
    assert.equal(a.hopIndex, e);
    assert.deepEqual(a.failure, failure);
    // Hops 0..e verify; hops beyond the erring node never touched the data.
    assert.deepEqual(a.attribution, {
      verifiedHops: e + 1,
      holdTimes: Array.from({ length: e + 1 }, (_, i) => 10 + i),
    });
  }
});

test('a corrupted failure is unattributable, and attribution data names the hop pair that corrupted it', () => {
  const secrets = hopSecrets();
  let step = createAttributableFailure(secrets[4] as Uint8Array, { name: 'mpp_timeout' }, 1);
  for (let i = 3; i >= 0; i--) {
    step = wrapAttributableFailure(secrets[i] as Uint8Array, step.reason, step.attributionData, 1);
    if (i === 2) {
      // Hop 2 flips a bit of the reason after computing its HMACs.
      step.reason[100] = (step.reason[100] as number) ^ 1;
    }
  }
  const d = decryptFailure(secrets, step.reason, step.attributionData);
  assert.equal(d.kind, 'unattributable');
  // Hops 0 and 1 verify; hop 2's HMAC covers the packet before its change, so it fails there.
  assert.equal(d.attribution?.verifiedHops, 2);
  assert.deepEqual(decryptFailure(secrets, new Uint8Array(0)), { kind: 'unattributable' });
  assert.deepEqual(decryptFailure(secrets, new Uint8Array(10)), { kind: 'unattributable' });
});

test('decryptFailure never throws on random bytes and reports a short failure_len', () => {
  const secrets = hopSecrets();
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let n = 0; n < 200; n++) {
    const b = new Uint8Array(rand() % 400).map(() => rand() & 0xff);
    const d = decryptFailure(secrets, b, n % 2 === 0 ? b : undefined);
    assert.equal(d.kind, 'unattributable');
  }
  // A correctly authenticated packet whose failure_len overruns is attributed but undecodable.
  const raw = buildReturnPacket(secrets[1] as Uint8Array, Uint8Array.of(0x10, 0x07, 0x00));
  const d = attributed(
    decryptFailure(
      secrets.slice(0, 2),
      wrapFailure(secrets[0] as Uint8Array, wrapFailure(secrets[1] as Uint8Array, raw)),
    ),
  );
  assert.equal(d.hopIndex, 1);
  assert.equal(d.code, 0x1007);
  assert.equal(d.failure, undefined);
  assert.match(d.decodeError ?? '', /eof|need/);
});

const update = Uint8Array.of(1, 2, 3);
const onionHash = new Uint8Array(32).fill(9);
/** A value of every failure (the mapped type makes the compiler check each one's fields). */
const SAMPLES: { [N in FailureName]: OnionFailureOf<N> } = {
  invalid_realm: { name: 'invalid_realm' },
  temporary_node_failure: { name: 'temporary_node_failure' },
  permanent_node_failure: { name: 'permanent_node_failure' },
  required_node_feature_missing: { name: 'required_node_feature_missing' },
  invalid_onion_version: { name: 'invalid_onion_version', sha256OfOnion: onionHash },
  invalid_onion_hmac: { name: 'invalid_onion_hmac', sha256OfOnion: onionHash },
  invalid_onion_key: { name: 'invalid_onion_key', sha256OfOnion: onionHash },
  temporary_channel_failure: { name: 'temporary_channel_failure', channelUpdate: update },
  permanent_channel_failure: { name: 'permanent_channel_failure' },
  required_channel_feature_missing: { name: 'required_channel_feature_missing' },
  unknown_next_peer: { name: 'unknown_next_peer' },
  amount_below_minimum: { name: 'amount_below_minimum', htlcMsat: 123456789n, channelUpdate: update },
  fee_insufficient: { name: 'fee_insufficient', htlcMsat: 1n, channelUpdate: new Uint8Array(0) },
  incorrect_cltv_expiry: { name: 'incorrect_cltv_expiry', cltvExpiry: 700000, channelUpdate: update },
  expiry_too_soon: { name: 'expiry_too_soon', channelUpdate: update },
  incorrect_or_unknown_payment_details: {
    name: 'incorrect_or_unknown_payment_details',
    htlcMsat: 1000n,
    height: 800000,
  },
  incorrect_payment_amount: { name: 'incorrect_payment_amount' },
  final_expiry_too_soon: { name: 'final_expiry_too_soon' },
  final_incorrect_cltv_expiry: { name: 'final_incorrect_cltv_expiry', cltvExpiry: 144 },
  final_incorrect_htlc_amount: { name: 'final_incorrect_htlc_amount', incomingHtlcAmtMsat: 42n },
  channel_disabled: { name: 'channel_disabled', disabledFlags: 0, channelUpdate: update },
  expiry_too_far: { name: 'expiry_too_far' },
  invalid_onion_payload: { name: 'invalid_onion_payload', type: 5482373484n, offset: 7 },
  mpp_timeout: { name: 'mpp_timeout' },
  invalid_onion_blinding: { name: 'invalid_onion_blinding', sha256OfOnion: onionHash },
};

test('every BOLT 4 failure code round-trips through its codec and createFailure/decryptFailure', () => {
  const expectedCodes: Record<string, number> = {
    temporary_node_failure: 0x2002,
    permanent_node_failure: 0x6002,
    required_node_feature_missing: 0x6003,
    invalid_onion_version: 0xc004,
    invalid_onion_hmac: 0xc005,
    invalid_onion_key: 0xc006,
    temporary_channel_failure: 0x1007,
    permanent_channel_failure: 0x4008,
    required_channel_feature_missing: 0x4009,
    unknown_next_peer: 0x400a,
    amount_below_minimum: 0x100b,
    fee_insufficient: 0x100c,
    incorrect_cltv_expiry: 0x100d,
    expiry_too_soon: 0x100e,
    incorrect_or_unknown_payment_details: 0x400f,
    final_incorrect_cltv_expiry: 18,
    final_incorrect_htlc_amount: 19,
    channel_disabled: 0x1014,
    expiry_too_far: 21,
    invalid_onion_payload: 0x4016,
    mpp_timeout: 23,
    invalid_onion_blinding: 0xc018,
    invalid_realm: 0x4001,
    incorrect_payment_amount: 0x4010,
    final_expiry_too_soon: 17,
  };
  assert.deepEqual(Object.keys(FAILURE_MESSAGES).sort(), Object.keys(expectedCodes).sort());
  const secrets = hopSecrets();
  for (const name of Object.keys(FAILURE_MESSAGES) as FailureName[]) {
    assert.equal(failureCode(name), expectedCodes[name], name);
    assert.equal(failureName(expectedCodes[name] as number), name);
    const f = SAMPLES[name];
    const bytes = encodeFailureMessage(f);
    assert.equal((bytes[0] as number) * 256 + (bytes[1] as number), expectedCodes[name]);
    assert.deepEqual(decodeFailureMessage(bytes), { ok: true, value: f }, name);
    const reason = wrapFailure(secrets[0] as Uint8Array, createFailure(secrets[1] as Uint8Array, f));
    assert.equal(reason.length, 32 + 2 + 256 + 2, 'padded to 256');
    const d = attributed(decryptFailure(secrets, reason));
    assert.equal(d.hopIndex, 1);
    assert.deepEqual(d.failure, f);
  }
});

test('failure data layouts follow BOLT 4 byte for byte', () => {
  const hex = (f: OnionFailure) => bytesToHex(encodeFailureMessage(f));
  assert.equal(hex({ name: 'temporary_channel_failure', channelUpdate: new Uint8Array(0) }), '10070000');
  assert.equal(
    hex({ name: 'amount_below_minimum', htlcMsat: 1n, channelUpdate: Uint8Array.of(0xaa) }),
    '100b00000000000000010001aa',
  );
  assert.equal(
    hex({ name: 'incorrect_cltv_expiry', cltvExpiry: 5, channelUpdate: new Uint8Array(0) }),
    '100d000000050000',
  );
  assert.equal(
    hex({ name: 'channel_disabled', disabledFlags: 0, channelUpdate: new Uint8Array(0) }),
    '101400000000',
  );
  assert.equal(
    hex({ name: 'invalid_onion_payload', type: 5482373484n, offset: 3 }),
    '4016ff0000000146c6616c0003',
  );
  assert.equal(hex({ name: 'final_incorrect_htlc_amount', incomingHtlcAmtMsat: 2n }), '00130000000000000002');
  assert.deepEqual(failureFlags(0xc005), { badOnion: true, perm: true, node: false, update: false });
  assert.deepEqual(failureFlags(0x2002), { badOnion: false, perm: false, node: true, update: false });
  // Unknown codes keep their data; extra bytes after known data that are not TLV are ignored.
  assert.deepEqual(decodeFailureMessage(Uint8Array.of(0x60, 0x99, 1, 2)), {
    ok: true,
    value: { name: 'unknown', code: 0x6099, data: Uint8Array.of(1, 2) },
  });
  assert.deepEqual(decodeFailureMessage(Uint8Array.of(0x20, 0x02, 0xff)), {
    ok: true,
    value: { name: 'temporary_node_failure' },
  });
  const short = decodeFailureMessage(Uint8Array.of(0x40, 0x0f, 0, 0));
  assert.equal(short.ok, false);
});
