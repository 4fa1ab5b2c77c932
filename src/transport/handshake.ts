// src/transport/handshake.ts: BOLT 8 "Authenticated Key Exchange Handshake Specification" as a
// sans-IO state machine. Noise_XK_secp256k1_ChaChaPoly_SHA256: three acts, fixed sizes, no I/O,
// no randomness (the ephemeral key is an argument), every failure a typed value.
import { concatBytes, ecdh, isPrivateKey, isPublicKey, publicKeyCreate, sha256 } from '../crypto/index.js';
import { decryptWithAd, encryptWithAd, hkdf2, MAC_BYTES } from './aead.js';
import { CipherState } from './cipher.js';

export const ACT_ONE_BYTES = 50;
export const ACT_TWO_BYTES = 50;
export const ACT_THREE_BYTES = 66;

const PROTOCOL_NAME = new TextEncoder().encode('Noise_XK_secp256k1_ChaChaPoly_SHA256');
const PROLOGUE = new TextEncoder().encode('lightning');
const HANDSHAKE_VERSION = 0;
const EMPTY = new Uint8Array(0);

/** Which check an act failed; the names follow the failure cases of BOLT 8 Appendix A. */
export type HandshakeFailure =
  | 'short_read' // ACTn_READ_FAILED: the act is not exactly its size
  | 'bad_version' // ACTn_BAD_VERSION: the leading byte is not 0
  | 'bad_pubkey' // ACTn_BAD_PUBKEY: a key that is not a valid compressed secp256k1 point
  | 'bad_ciphertext' // ACT3_BAD_CIPHERTEXT: the MAC over the initiator's encrypted static key
  | 'bad_tag'; // ACTn_BAD_TAG: the act's final MAC

/** A failed handshake: the connection must be terminated without any further messages. */
export interface HandshakeError {
  act: 1 | 2 | 3;
  failure: HandshakeFailure;
  message: string;
}

/** Initiator after sending act one. Holds secrets: never log it. */
export interface InitiatorAwaitingActTwo {
  readonly role: 'initiator';
  readonly step: 'awaiting_act_two';
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly localPrivateKey: Uint8Array;
  readonly localPublicKey: Uint8Array;
  readonly remoteNodeId: Uint8Array;
  readonly ephemeralPrivateKey: Uint8Array;
}

/** Responder waiting for act one. Holds secrets: never log it. */
export interface ResponderAwaitingActOne {
  readonly role: 'responder';
  readonly step: 'awaiting_act_one';
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly localPrivateKey: Uint8Array;
  readonly ephemeralPrivateKey: Uint8Array;
}

/** Responder after sending act two. Holds secrets: never log it. */
export interface ResponderAwaitingActThree {
  readonly role: 'responder';
  readonly step: 'awaiting_act_three';
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly tempK2: Uint8Array;
  readonly ephemeralPrivateKey: Uint8Array;
}

/** A handshake in progress, on either side. */
export type HandshakeState = InitiatorAwaitingActTwo | ResponderAwaitingActOne | ResponderAwaitingActThree;

/** The handshake succeeded: the peer's identity and the two directions of the session. */
export interface HandshakeComplete {
  kind: 'complete';
  /** Bytes still to send: act three on the initiator's side, undefined on the responder's. */
  reply: Uint8Array | undefined;
  /** The remote static public key (33 bytes, compressed): its node id. */
  remoteNodeId: Uint8Array;
  /** Encrypts what we send: key `sk`, chaining key `sck`. */
  sending: CipherState;
  /** Decrypts what we receive: key `rk`, chaining key `rck`. */
  receiving: CipherState;
}

/** The result of feeding one act to `receiveAct`. */
export type HandshakeStep =
  | { kind: 'continue'; state: HandshakeState; reply: Uint8Array }
  | HandshakeComplete
  | { kind: 'failed'; error: HandshakeError };

export interface InitiatorOptions {
  localPrivateKey: Uint8Array;
  /** The responder's node id: BOLT 8 requires the initiator to know it. */
  remoteNodeId: Uint8Array;
  /** BOLT 8: "new ephemeral key with strong cryptographic randomness." It is the caller's job. */
  ephemeralPrivateKey: Uint8Array;
}

export interface ResponderOptions {
  localPrivateKey: Uint8Array;
  /** BOLT 8: "new ephemeral key with strong cryptographic randomness." It is the caller's job. */
  ephemeralPrivateKey: Uint8Array;
}

/** BOLT 8 "Handshake State Initialization", ending with the responder's static key mixed in. */
function initialize(responderStaticKey: Uint8Array): { ck: Uint8Array; h: Uint8Array } {
  const h0 = sha256(PROTOCOL_NAME);
  const ck = h0;
  const h1 = sha256(h0, PROLOGUE);
  return { ck, h: sha256(h1, responderStaticKey) };
}

/** True for a 33-byte compressed secp256k1 point: the only form BOLT 8 sends keys in. */
export function isCompressedPublicKey(key: Uint8Array): boolean {
  return key.length === 33 && (key[0] === 0x02 || key[0] === 0x03) && isPublicKey(key);
}

function assertPrivateKey(what: string, key: Uint8Array): void {
  if (!isPrivateKey(key)) throw new TypeError(`${what}: expected a valid 32-byte secp256k1 private key`);
}

function fail(act: 1 | 2 | 3, failure: HandshakeFailure, message: string): HandshakeStep {
  return { kind: 'failed', error: { act, failure, message } };
}

/**
 * Starts a handshake as initiator: returns act one (50 bytes) to send and the state that waits for
 * act two. Invalid keys are a bug of the caller (validate a user-given node id first) and throw.
 */
export function startInitiator(options: InitiatorOptions): { state: HandshakeState; actOne: Uint8Array } {
  const { localPrivateKey, remoteNodeId, ephemeralPrivateKey } = options;
  assertPrivateKey('startInitiator localPrivateKey', localPrivateKey);
  assertPrivateKey('startInitiator ephemeralPrivateKey', ephemeralPrivateKey);
  if (!isCompressedPublicKey(remoteNodeId)) {
    throw new TypeError('startInitiator: remoteNodeId must be a valid 33-byte compressed public key');
  }
  const init = initialize(remoteNodeId);
  // Act One, sender actions 2-6: -> e, es
  const ePub = publicKeyCreate(ephemeralPrivateKey);
  let h = sha256(init.h, ePub);
  const es = ecdh(remoteNodeId, ephemeralPrivateKey);
  const [ck, tempK1] = hkdf2(init.ck, es);
  const c = encryptWithAd(tempK1, 0, h, EMPTY);
  h = sha256(h, c);
  const state: InitiatorAwaitingActTwo = {
    role: 'initiator',
    step: 'awaiting_act_two',
    ck,
    h,
    localPrivateKey: Uint8Array.from(localPrivateKey),
    localPublicKey: publicKeyCreate(localPrivateKey),
    remoteNodeId: Uint8Array.from(remoteNodeId),
    ephemeralPrivateKey: Uint8Array.from(ephemeralPrivateKey),
  };
  return { state, actOne: concatBytes(new Uint8Array([HANDSHAKE_VERSION]), ePub, c) };
}

/** Starts a handshake as responder: the state that waits for act one. Invalid keys throw. */
export function startResponder(options: ResponderOptions): HandshakeState {
  const { localPrivateKey, ephemeralPrivateKey } = options;
  assertPrivateKey('startResponder localPrivateKey', localPrivateKey);
  assertPrivateKey('startResponder ephemeralPrivateKey', ephemeralPrivateKey);
  const { ck, h } = initialize(publicKeyCreate(localPrivateKey));
  return {
    role: 'responder',
    step: 'awaiting_act_one',
    ck,
    h,
    localPrivateKey: Uint8Array.from(localPrivateKey),
    ephemeralPrivateKey: Uint8Array.from(ephemeralPrivateKey),
  };
}

/** How many bytes the next act must have: read exactly this many before calling `receiveAct`. */
export function expectedActLength(state: HandshakeState): number {
  return state.step === 'awaiting_act_three' ? ACT_THREE_BYTES : ACT_ONE_BYTES;
}

/** Feeds the next act received from the peer; pure, the state passed in is not modified. */
export function receiveAct(state: HandshakeState, act: Uint8Array): HandshakeStep {
  switch (state.step) {
    case 'awaiting_act_one':
      return receiveActOne(state, act);
    case 'awaiting_act_two':
      return receiveActTwo(state, act);
    case 'awaiting_act_three':
      return receiveActThree(state, act);
  }
}

/**
 * Receiver actions shared by acts one and two (`e` plus a MAC): length, version, key, then
 * `h = SHA-256(h || re)`, the ECDH, `HKDF`, and the MAC check over the empty payload.
 */
function receiveEphemeral(
  actNumber: 1 | 2,
  ck: Uint8Array,
  h: Uint8Array,
  localPrivateKey: Uint8Array,
  act: Uint8Array,
):
  | { ok: true; ck: Uint8Array; h: Uint8Array; tempK: Uint8Array; re: Uint8Array }
  | { ok: false; step: HandshakeStep } {
  // BOLT 8: "Read _exactly_ 50 bytes from the network buffer."
  if (act.length !== ACT_ONE_BYTES) {
    return {
      ok: false,
      step: fail(actNumber, 'short_read', `act ${actNumber} must be 50 bytes, got ${act.length}`),
    };
  }
  // BOLT 8: "Clients MUST reject handshake attempts initiated with an unknown version."
  if (act[0] !== HANDSHAKE_VERSION) {
    return { ok: false, step: fail(actNumber, 'bad_version', `unknown handshake version ${act[0]}`) };
  }
  const re = act.slice(1, 34);
  // BOLT 8: "The raw bytes of the remote party's ephemeral public key (`re`) are to be"
  // deserialized into a point: anything that is not a compressed point on the curve is refused.
  if (!isCompressedPublicKey(re)) {
    return {
      ok: false,
      step: fail(actNumber, 'bad_pubkey', 'the ephemeral key is not a valid compressed point'),
    };
  }
  const c = act.subarray(34, 34 + MAC_BYTES);
  const h1 = sha256(h, re);
  const [ck1, tempK] = hkdf2(ck, ecdh(re, localPrivateKey));
  if (decryptWithAd(tempK, 0, h1, c) === undefined) {
    // BOLT 8: "responder MUST terminate the connection without any further messages." (act one)
    // BOLT 8: "If the MAC check in this operation fails, then the initiator MUST" (act two)
    return {
      ok: false,
      step: fail(
        actNumber,
        'bad_tag',
        `the MAC of act ${actNumber} does not verify: wrong node id or tampering`,
      ),
    };
  }
  return { ok: true, ck: ck1, h: sha256(h1, c), tempK, re };
}

function receiveActOne(state: ResponderAwaitingActOne, act: Uint8Array): HandshakeStep {
  // Receiver actions: es = ECDH(s.priv, re)
  const r = receiveEphemeral(1, state.ck, state.h, state.localPrivateKey, act);
  if (!r.ok) return r.step;
  // Act Two, sender actions: <- e, ee
  const ePub = publicKeyCreate(state.ephemeralPrivateKey);
  let h = sha256(r.h, ePub);
  const [ck, tempK2] = hkdf2(r.ck, ecdh(r.re, state.ephemeralPrivateKey));
  const c = encryptWithAd(tempK2, 0, h, EMPTY);
  h = sha256(h, c);
  return {
    kind: 'continue',
    state: {
      role: 'responder',
      step: 'awaiting_act_three',
      ck,
      h,
      tempK2,
      ephemeralPrivateKey: state.ephemeralPrivateKey,
    },
    reply: concatBytes(new Uint8Array([HANDSHAKE_VERSION]), ePub, c),
  };
}

function receiveActTwo(state: InitiatorAwaitingActTwo, act: Uint8Array): HandshakeStep {
  // Receiver actions: ee = ECDH(e.priv, re)
  const r = receiveEphemeral(2, state.ck, state.h, state.ephemeralPrivateKey, act);
  if (!r.ok) return r.step;
  // Act Three, sender actions: -> s, se
  const c = encryptWithAd(r.tempK, 1, r.h, state.localPublicKey);
  const h = sha256(r.h, c);
  const [ck, tempK3] = hkdf2(r.ck, ecdh(r.re, state.localPrivateKey));
  const t = encryptWithAd(tempK3, 0, h, EMPTY);
  // BOLT 8: "`sk` is the key to be used by the initiator to encrypt messages to the"
  const [sk, rk] = hkdf2(ck, EMPTY);
  return {
    kind: 'complete',
    reply: concatBytes(new Uint8Array([HANDSHAKE_VERSION]), c, t),
    remoteNodeId: state.remoteNodeId,
    // BOLT 8: "The sending and receiving chaining keys are initialized the same."
    sending: new CipherState(sk, ck),
    receiving: new CipherState(rk, ck),
  };
}

function receiveActThree(state: ResponderAwaitingActThree, act: Uint8Array): HandshakeStep {
  // BOLT 8: "Read _exactly_ 66 bytes from the network buffer."
  if (act.length !== ACT_THREE_BYTES)
    return fail(3, 'short_read', `act 3 must be 66 bytes, got ${act.length}`);
  // BOLT 8: "Clients MUST reject handshake attempts initiated with an unknown version."
  if (act[0] !== HANDSHAKE_VERSION) return fail(3, 'bad_version', `unknown handshake version ${act[0]}`);
  const c = act.subarray(1, 50);
  const t = act.subarray(50, 66);
  const rs = decryptWithAd(state.tempK2, 1, state.h, c);
  // BOLT 8: "If the MAC check in this operation fails, then the responder MUST"
  if (rs === undefined)
    return fail(3, 'bad_ciphertext', 'the MAC of the encrypted static key does not verify');
  if (!isCompressedPublicKey(rs))
    return fail(3, 'bad_pubkey', 'the static key is not a valid compressed point');
  const h = sha256(state.h, c);
  const [ck, tempK3] = hkdf2(state.ck, ecdh(rs, state.ephemeralPrivateKey));
  // BOLT 8: "If the MAC check in this operation fails, then the responder MUST"
  if (decryptWithAd(tempK3, 0, h, t) === undefined) {
    return fail(3, 'bad_tag', 'the final MAC of act 3 does not verify');
  }
  // BOLT 8: "`rk` is the key to be used by the responder to decrypt the messages sent"
  const [rk, sk] = hkdf2(ck, EMPTY);
  return {
    kind: 'complete',
    reply: undefined,
    remoteNodeId: rs,
    sending: new CipherState(sk, ck),
    receiving: new CipherState(rk, ck),
  };
}
