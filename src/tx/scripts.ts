// src/tx/scripts.ts: the BOLT 3 witness scripts and the output scripts (P2WSH, P2WPKH) that
// commit to them. Encoding is @scure/btc-signer's Script coder, which pushes minimally.
import { Script } from '@scure/btc-signer';
import { concatBytes, hash160, ripemd160, sha256 } from '../crypto/index.js';

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
  return Script.encode([
    'IF',
    revocationPubkey,
    'ELSE',
    toSelfDelay,
    'CHECKSEQUENCEVERIFY',
    'DROP',
    localDelayedPubkey,
    'ENDIF',
    'CHECKSIG',
  ]);
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

/** The offered HTLC witness script (an HTLC the commitment's owner offered). */
export function offeredHtlcScript(p: HtlcScriptParams): Uint8Array {
  return Script.encode([
    'DUP',
    'HASH160',
    hash160(p.revocationPubkey),
    'EQUAL',
    'IF',
    'CHECKSIG',
    'ELSE',
    p.remoteHtlcPubkey,
    'SWAP',
    'SIZE',
    32,
    'EQUAL',
    'NOTIF',
    'DROP',
    2,
    'SWAP',
    p.localHtlcPubkey,
    2,
    'CHECKMULTISIG',
    'ELSE',
    'HASH160',
    ripemd160(p.paymentHash),
    'EQUALVERIFY',
    'CHECKSIG',
    'ENDIF',
    ...(p.anchors ? ([1, 'CHECKSEQUENCEVERIFY', 'DROP'] as const) : []),
    'ENDIF',
  ]);
}

/** The received HTLC witness script (an HTLC offered to the commitment's owner). */
export function receivedHtlcScript(p: HtlcScriptParams & { cltvExpiry: number }): Uint8Array {
  return Script.encode([
    'DUP',
    'HASH160',
    hash160(p.revocationPubkey),
    'EQUAL',
    'IF',
    'CHECKSIG',
    'ELSE',
    p.remoteHtlcPubkey,
    'SWAP',
    'SIZE',
    32,
    'EQUAL',
    'IF',
    'HASH160',
    ripemd160(p.paymentHash),
    'EQUALVERIFY',
    2,
    'SWAP',
    p.localHtlcPubkey,
    2,
    'CHECKMULTISIG',
    'ELSE',
    'DROP',
    p.cltvExpiry,
    'CHECKLOCKTIMEVERIFY',
    'DROP',
    'CHECKSIG',
    'ENDIF',
    ...(p.anchors ? ([1, 'CHECKSEQUENCEVERIFY', 'DROP'] as const) : []),
    'ENDIF',
  ]);
}
