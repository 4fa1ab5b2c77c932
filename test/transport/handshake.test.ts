// BOLT 8 Appendix A: every initiator and responder vector, plus the state machine's purity.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bytesToHex, hexToBytes, publicKeyCreate } from '../../src/crypto/index.js';
import {
  expectedActLength,
  type HandshakeError,
  type HandshakeStep,
  receiveAct,
  startInitiator,
  startResponder,
} from '../../src/transport/index.js';

interface Vector {
  name: string;
  rsPub?: string;
  lsPriv: string;
  lsPub: string;
  ePriv: string;
  ePub: string;
  act1: string;
  act2?: string;
  act3?: string;
  sk?: string;
  rk?: string;
  decryptedRs?: string;
  error?: string;
}

const fixture = (name: string): Vector[] =>
  JSON.parse(readFileSync(new URL(`../fixtures/transport/${name}`, import.meta.url), 'utf8')).vectors;

const initiatorVectors = fixture('initiator.json');
const responderVectors = fixture('responder.json');
// The responder vectors' initiator is the initiator vectors' local node.
const initiatorNodeId = initiatorVectors[0]!.lsPub;

const FAILURES: Record<string, HandshakeError['failure']> = {
  READ_FAILED: 'short_read',
  BAD_VERSION: 'bad_version',
  BAD_PUBKEY: 'bad_pubkey',
  BAD_CIPHERTEXT: 'bad_ciphertext',
  BAD_TAG: 'bad_tag',
};

/** 'ACT2_BAD_TAG' -> { act: 2, failure: 'bad_tag' } */
function expectedError(name: string): { act: number; failure: string } {
  const m = /^ACT(\d)_(\w+)$/.exec(name);
  assert.ok(m, `unrecognized vector error ${name}`);
  const failure = FAILURES[m[2]!];
  assert.ok(failure, `unmapped vector error ${name}`);
  return { act: Number(m[1]), failure };
}

function assertFailed(step: HandshakeStep, error: string): void {
  assert.equal(step.kind, 'failed');
  if (step.kind !== 'failed') return;
  assert.deepEqual({ act: step.error.act, failure: step.error.failure }, expectedError(error));
  assert.ok(step.error.message.length > 0);
}

test('initiator vectors', async (t) => {
  assert.equal(initiatorVectors.length, 5);
  for (const v of initiatorVectors) {
    await t.test(v.name, () => {
      const { state, actOne } = startInitiator({
        localPrivateKey: hexToBytes(v.lsPriv),
        remoteNodeId: hexToBytes(v.rsPub!),
        ephemeralPrivateKey: hexToBytes(v.ePriv),
      });
      assert.equal(bytesToHex(actOne), v.act1);
      assert.equal(expectedActLength(state), 50);
      const step = receiveAct(state, hexToBytes(v.act2!));
      if (v.error !== undefined) {
        assertFailed(step, v.error);
        return;
      }
      assert.equal(step.kind, 'complete');
      if (step.kind !== 'complete') return;
      assert.equal(bytesToHex(step.reply!), v.act3);
      assert.equal(bytesToHex(step.remoteNodeId), v.rsPub);
      assert.equal(bytesToHex(step.sending.key), v.sk);
      assert.equal(bytesToHex(step.receiving.key), v.rk);
      assert.equal(step.sending.nonce, 0);
      assert.equal(step.receiving.nonce, 0);
      assert.deepEqual(step.sending.chainingKey, step.receiving.chainingKey);
    });
  }
});

test('responder vectors', async (t) => {
  assert.equal(responderVectors.length, 10);
  for (const v of responderVectors) {
    await t.test(v.name, () => {
      const state = startResponder({
        localPrivateKey: hexToBytes(v.lsPriv),
        ephemeralPrivateKey: hexToBytes(v.ePriv),
      });
      assert.equal(expectedActLength(state), 50);
      const one = receiveAct(state, hexToBytes(v.act1));
      if (v.act3 === undefined) {
        assertFailed(one, v.error!);
        return;
      }
      assert.equal(one.kind, 'continue');
      if (one.kind !== 'continue') return;
      assert.equal(bytesToHex(one.reply), v.act2);
      assert.equal(expectedActLength(one.state), 66);
      const three = receiveAct(one.state, hexToBytes(v.act3));
      if (v.error !== undefined) {
        assertFailed(three, v.error);
        return;
      }
      assert.equal(three.kind, 'complete');
      if (three.kind !== 'complete') return;
      assert.equal(three.reply, undefined);
      assert.equal(bytesToHex(three.remoteNodeId), v.decryptedRs);
      assert.equal(bytesToHex(three.remoteNodeId), initiatorNodeId);
      assert.equal(bytesToHex(three.receiving.key), v.rk);
      assert.equal(bytesToHex(three.sending.key), v.sk);
    });
  }
});

test('the two sides agree with fresh keys: initiator sk is responder rk and vice versa', () => {
  const [initiatorKey, responderKey, e1, e2] = ['01', '02', '03', '04'].map((b) =>
    hexToBytes(b.repeat(32)),
  ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const { state, actOne } = startInitiator({
    localPrivateKey: initiatorKey,
    remoteNodeId: publicKeyCreate(responderKey),
    ephemeralPrivateKey: e1,
  });
  const one = receiveAct(startResponder({ localPrivateKey: responderKey, ephemeralPrivateKey: e2 }), actOne);
  assert.equal(one.kind, 'continue');
  if (one.kind !== 'continue') return;
  const two = receiveAct(state, one.reply);
  assert.equal(two.kind, 'complete');
  if (two.kind !== 'complete') return;
  const three = receiveAct(one.state, two.reply!);
  assert.equal(three.kind, 'complete');
  if (three.kind !== 'complete') return;
  assert.deepEqual(two.sending.key, three.receiving.key);
  assert.deepEqual(two.receiving.key, three.sending.key);
  assert.notDeepEqual(two.sending.key, two.receiving.key);
  assert.deepEqual(three.remoteNodeId, publicKeyCreate(initiatorKey));
  assert.deepEqual(two.remoteNodeId, publicKeyCreate(responderKey));
});

test('receiveAct is pure: the same state and act give the same result twice', () => {
  const v = responderVectors[0]!;
  const state = startResponder({
    localPrivateKey: hexToBytes(v.lsPriv),
    ephemeralPrivateKey: hexToBytes(v.ePriv),
  });
  const a = receiveAct(state, hexToBytes(v.act1));
  const b = receiveAct(state, hexToBytes(v.act1));
  assert.equal(a.kind, 'continue');
  assert.equal(b.kind, 'continue');
  if (a.kind !== 'continue' || b.kind !== 'continue') return;
  assert.deepEqual(a.reply, b.reply);
  // A failed act leaves the state usable: a retry with the right bytes still succeeds.
  const tampered = hexToBytes(v.act3!);
  tampered[65] = tampered[65]! ^ 1;
  assert.equal(receiveAct(a.state, tampered).kind, 'failed');
  assert.equal(receiveAct(a.state, hexToBytes(v.act3!)).kind, 'complete');
});

test('an act one that is too long is refused as a wrong-size read', () => {
  const v = responderVectors[0]!;
  const state = startResponder({
    localPrivateKey: hexToBytes(v.lsPriv),
    ephemeralPrivateKey: hexToBytes(v.ePriv),
  });
  assertFailed(receiveAct(state, hexToBytes(`${v.act1}00`)), 'ACT1_READ_FAILED');
});

test('invalid local keys and node ids are caller bugs and throw', () => {
  const v = initiatorVectors[0]!;
  const ok = { localPrivateKey: hexToBytes(v.lsPriv), ephemeralPrivateKey: hexToBytes(v.ePriv) };
  assert.throws(
    () => startInitiator({ ...ok, remoteNodeId: hexToBytes(`04${v.rsPub!.slice(2)}`) }),
    TypeError,
  );
  assert.throws(() => startInitiator({ ...ok, remoteNodeId: new Uint8Array(33) }), TypeError);
  assert.throws(
    () => startInitiator({ ...ok, remoteNodeId: hexToBytes(v.rsPub!), localPrivateKey: new Uint8Array(32) }),
    TypeError,
  );
  assert.throws(() => startResponder({ ...ok, ephemeralPrivateKey: new Uint8Array(31) }), TypeError);
});
