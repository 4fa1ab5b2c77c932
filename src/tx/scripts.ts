// src/tx/scripts.ts: the BOLT 3 witness scripts and the output scripts (P2WSH, P2WPKH) that
// commit to them. Encoding is @scure/btc-signer's Script coder, which pushes minimally, except for
// the three templates built for every HTLC of every commitment (see `assemble`).
import { Script } from '@scure/btc-signer';
import { concatBytes, equalBytes, hash160, ripemd160, sha256 } from '../crypto/index.js';
import { encodeScriptNum } from './script-num.js';

// The opcodes the per-HTLC templates use.
const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_2 = 0x52;
const OP_IF = 0x63;
const OP_NOTIF = 0x64;
const OP_ELSE = 0x67;
const OP_ENDIF = 0x68;
const OP_DROP = 0x75;
const OP_DUP = 0x76;
const OP_SWAP = 0x7c;
const OP_SIZE = 0x82;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_HASH160 = 0xa9;
const OP_CHECKSIG = 0xac;
const OP_CHECKMULTISIG = 0xae;
const OP_CHECKLOCKTIMEVERIFY = 0xb1;
const OP_CHECKSEQUENCEVERIFY = 0xb2;

/**
 * A script from opcodes (numbers) and data to push (bytes, at most 75 each: one length byte), the
 * bytes Script.encode gives for the same items. The HTLC and to_local templates are built this way:
 * a commitment with 32 HTLCs builds 64 of them per signature made or checked, and Script.encode
 * took about a third of building the commitment (tests compare the two on random inputs).
 */
function assemble(...items: (number | Uint8Array)[]): Uint8Array {
  let n = 0;
  for (const it of items) n += typeof it === 'number' ? 1 : 1 + it.length;
  const out = new Uint8Array(n);
  let i = 0;
  for (const it of items) {
    if (typeof it === 'number') out[i++] = it;
    else {
      if (it.length > 75) throw new RangeError(`a ${it.length}-byte push needs OP_PUSHDATA`);
      out[i++] = it.length;
      out.set(it, i);
      i += it.length;
    }
  }
  return out;
}

/** A non-negative number as its minimal push: OP_0, OP_1..OP_16, or its script-number bytes. */
function scriptNumber(n: number): number | Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${n} is not a u32`);
  if (n === 0) return OP_0;
  if (n <= 16) return OP_1 - 1 + n;
  return encodeScriptNum(BigInt(n));
}

/** hash160 of the last key asked for (every HTLC script of one commitment has its revocation key). */
let lastKey: { key: Uint8Array; hash: Uint8Array } | undefined;
function keyHash(key: Uint8Array): Uint8Array {
  if (lastKey === undefined || !equalBytes(lastKey.key, key))
    lastKey = { key: Uint8Array.from(key), hash: hash160(key) };
  return lastKey.hash;
}

/**
 * RIPEMD160 of each payment hash, kept with the hash's bytes object (an HTLC is in many
 * commitments); checked against a copy, so a reused buffer with other bytes is hashed again.
 */
const paymentHashDigests = new WeakMap<Uint8Array, { of: Uint8Array; digest: Uint8Array }>();
function paymentHashDigest(paymentHash: Uint8Array): Uint8Array {
  const kept = paymentHashDigests.get(paymentHash);
  if (kept !== undefined && equalBytes(kept.of, paymentHash)) return kept.digest;
  const digest = ripemd160(paymentHash);
  paymentHashDigests.set(paymentHash, { of: Uint8Array.from(paymentHash), digest });
  return digest;
}

/** P2WSH output script: OP_0 <sha256(witnessScript)>. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x20), sha256(witnessScript));
}

/** P2WPKH output script: OP_0 <hash160(pubkey)>. */
export function p2wpkh(pubkey: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x14), hash160(pubkey));
}

/** The BIP 143 scriptCode of a P2WPKH spend: the P2PKH script of the key hash. */
export function p2wpkhScriptCode(pubkeyHash: Uint8Array): Uint8Array {
  return Script.encode(['DUP', 'HASH160', pubkeyHash, 'EQUALVERIFY', 'CHECKSIG']);
}

/**
 * memcmp over the common-length prefix, then the shorter first: BIP 69's script order and the
 * lexicographic order of compressed public keys.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The 2-of-2 funding witness script.
 * BOLT 3: Where `pubkey1` is the lexicographically lesser of the two `funding_pubkey` in compressed format, and where `pubkey2` is the lexicographically greater of the two.
 */
export function fundingScript(fundingPubkeyA: Uint8Array, fundingPubkeyB: Uint8Array): Uint8Array {
  const [pubkey1, pubkey2] =
    compareBytes(fundingPubkeyA, fundingPubkeyB) <= 0
      ? [fundingPubkeyA, fundingPubkeyB]
      : [fundingPubkeyB, fundingPubkeyA];
  return Script.encode([2, pubkey1, pubkey2, 2, 'CHECKMULTISIG']);
}

/**
 * The `to_local` witness script; also the output script of HTLC-timeout/HTLC-success transactions.
 * Revocable immediately, or spendable by the owner after `toSelfDelay` blocks.
 */
export function toLocalScript(
  revocationPubkey: Uint8Array,
  toSelfDelay: number,
  localDelayedPubkey: Uint8Array,
): Uint8Array {
  return assemble(
    OP_IF,
    revocationPubkey,
    OP_ELSE,
    scriptNumber(toSelfDelay),
    OP_CHECKSEQUENCEVERIFY,
    OP_DROP,
    localDelayedPubkey,
    OP_ENDIF,
    OP_CHECKSIG,
  );
}

/**
 * The option_anchors `to_remote` witness script.
 * BOLT 3: If `option_anchors` applies to the commitment transaction, the `to_remote` output is encumbered by a one block csv lock.
 */
export function toRemoteAnchorsScript(remotePubkey: Uint8Array): Uint8Array {
  return Script.encode([remotePubkey, 'CHECKSIGVERIFY', 1, 'CHECKSEQUENCEVERIFY']);
}

/** The anchor witness script, locked to one side's funding pubkey (or to anyone after 16 blocks). */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  return Script.encode([fundingPubkey, 'CHECKSIG', 'IFDUP', 'NOTIF', 16, 'CHECKSEQUENCEVERIFY', 'ENDIF']);
}

/** The keys and hash an HTLC output script commits to. */
export interface HtlcScriptParams {
  revocationPubkey: Uint8Array;
  localHtlcPubkey: Uint8Array;
  remoteHtlcPubkey: Uint8Array;
  paymentHash: Uint8Array;
  /** option_anchors adds `1 OP_CHECKSEQUENCEVERIFY OP_DROP` to the non-revocation branch. */
  anchors: boolean;
}

/** option_anchors: `1 OP_CHECKSEQUENCEVERIFY OP_DROP` before the last OP_ENDIF. */
const ANCHORS_CSV = [OP_1, OP_CHECKSEQUENCEVERIFY, OP_DROP] as const;

/**
 * How both HTLC scripts begin: the revocation branch, then the remote HTLC key and the test of the
 * witness item's size (a 32-byte preimage or not).
 */
function htlcScriptHead(p: HtlcScriptParams): (number | Uint8Array)[] {
  return [
    OP_DUP,
    OP_HASH160,
    keyHash(p.revocationPubkey),
    OP_EQUAL,
    OP_IF,
    OP_CHECKSIG,
    OP_ELSE,
    p.remoteHtlcPubkey,
    OP_SWAP,
    OP_SIZE,
    scriptNumber(32),
    OP_EQUAL,
  ];
}

/** The offered HTLC witness script (an HTLC the commitment's owner offered). */
export function offeredHtlcScript(p: HtlcScriptParams): Uint8Array {
  return assemble(
    ...htlcScriptHead(p),
    OP_NOTIF,
    OP_DROP,
    OP_2,
    OP_SWAP,
    p.localHtlcPubkey,
    OP_2,
    OP_CHECKMULTISIG,
    OP_ELSE,
    OP_HASH160,
    paymentHashDigest(p.paymentHash),
    OP_EQUALVERIFY,
    OP_CHECKSIG,
    OP_ENDIF,
    ...(p.anchors ? ANCHORS_CSV : []),
    OP_ENDIF,
  );
}

/** The received HTLC witness script (an HTLC offered to the commitment's owner). */
export function receivedHtlcScript(p: HtlcScriptParams & { cltvExpiry: number }): Uint8Array {
  return assemble(
    ...htlcScriptHead(p),
    OP_IF,
    OP_HASH160,
    paymentHashDigest(p.paymentHash),
    OP_EQUALVERIFY,
    OP_2,
    OP_SWAP,
    p.localHtlcPubkey,
    OP_2,
    OP_CHECKMULTISIG,
    OP_ELSE,
    OP_DROP,
    scriptNumber(p.cltvExpiry),
    OP_CHECKLOCKTIMEVERIFY,
    OP_DROP,
    OP_CHECKSIG,
    OP_ENDIF,
    ...(p.anchors ? ANCHORS_CSV : []),
    OP_ENDIF,
  );
}
