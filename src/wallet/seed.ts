// src/wallet/seed.ts: the BIP 39 mnemonic and how it is kept at rest (pure; randomness is an argument).
//
// At rest the mnemonic is JSON, either plain (then the file's 0600 mode is the protection) or
// sealed: scrypt(passphrase, salt) gives a 32-byte key, and ChaCha20-Poly1305 under that key
// seals the mnemonic, with the format tag as associated data.
import { scryptSync } from 'node:crypto';
import { entropyToMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { bytesToHex, chachaPolyDecrypt, chachaPolyEncrypt, hexToBytes } from '../crypto/index.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** ~100 ms and 32 MiB: enough to slow guessing, quick enough at start-up. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };
const FORMAT = 'ksnode-seed-v1';

/** 24 English words from 32 bytes of entropy (BIP 39). */
export function mnemonicFromEntropy(entropy: Uint8Array): string {
  if (entropy.length !== 32) throw new RangeError(`expected 32 bytes of entropy, got ${entropy.length}`);
  return entropyToMnemonic(entropy, wordlist);
}

/** True for a mnemonic with valid words and checksum. */
export function isValidMnemonic(mnemonic: string): boolean {
  return validateMnemonic(normalize(mnemonic), wordlist);
}

/** The 64-byte BIP 39 seed (PBKDF2 of the words; no BIP 39 passphrase). */
export function seedFromMnemonic(mnemonic: string): Uint8Array {
  return mnemonicToSeedSync(normalize(mnemonic));
}

function normalize(mnemonic: string): string {
  return mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
}

type SeedFileJson =
  | { format: typeof FORMAT; encryption: 'none'; mnemonic: string }
  | {
      format: typeof FORMAT;
      encryption: 'scrypt-chacha20poly1305';
      scrypt: ScryptParams;
      salt: string;
      nonce: string;
      ciphertext: string;
    };

function scryptKey(passphrase: string, salt: Uint8Array, p: ScryptParams): Uint8Array {
  return new Uint8Array(
    scryptSync(passphrase.normalize('NFKC'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r }),
  );
}

/** The file contents for a mnemonic: sealed if a passphrase is given (then `random` supplies salt and nonce). */
export function encodeSeedFile(
  mnemonic: string,
  opts: { passphrase?: string; random: (n: number) => Uint8Array; scrypt?: ScryptParams },
): string {
  const words = normalize(mnemonic);
  if (opts.passphrase === undefined || opts.passphrase === '') {
    return `${JSON.stringify({ format: FORMAT, encryption: 'none', mnemonic: words } satisfies SeedFileJson, null, 2)}\n`;
  }
  const params = opts.scrypt ?? DEFAULT_SCRYPT;
  const salt = opts.random(16);
  const nonce = opts.random(12);
  const key = scryptKey(opts.passphrase, salt, params);
  const sealed = chachaPolyEncrypt(
    key,
    nonce,
    new TextEncoder().encode(FORMAT),
    new TextEncoder().encode(words),
  );
  const json: SeedFileJson = {
    format: FORMAT,
    encryption: 'scrypt-chacha20poly1305',
    scrypt: params,
    salt: bytesToHex(salt),
    nonce: bytesToHex(nonce),
    ciphertext: bytesToHex(sealed),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

export type SeedFileError = 'passphrase_required' | 'wrong_passphrase' | 'corrupt';
export type DecodeSeedResult =
  | { ok: true; mnemonic: string; encrypted: boolean }
  | { ok: false; code: SeedFileError; message: string };

/** Reads file contents back into the mnemonic. */
export function decodeSeedFile(text: string, passphrase?: string): DecodeSeedResult {
  const corrupt = (why: string): DecodeSeedResult => ({
    ok: false,
    code: 'corrupt',
    message: `the seed file is damaged: ${why}`,
  });
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text);
  } catch {
    return corrupt('not JSON');
  }
  if (j.format !== FORMAT) return corrupt(`unknown format ${JSON.stringify(j.format)}`);
  let mnemonic: string;
  if (j.encryption === 'none') {
    if (typeof j.mnemonic !== 'string') return corrupt('no mnemonic');
    mnemonic = j.mnemonic;
  } else if (j.encryption === 'scrypt-chacha20poly1305') {
    if (passphrase === undefined || passphrase === '') {
      return {
        ok: false,
        code: 'passphrase_required',
        message: 'the seed file is encrypted: give the wallet passphrase',
      };
    }
    const p = j.scrypt as ScryptParams | undefined;
    if (!p || ![p.N, p.r, p.p].every((n) => Number.isInteger(n) && n > 0) || p.N > 1 << 22)
      return corrupt('bad scrypt parameters');
    let salt: Uint8Array;
    let nonce: Uint8Array;
    let sealed: Uint8Array;
    try {
      salt = hexToBytes(String(j.salt));
      nonce = hexToBytes(String(j.nonce));
      sealed = hexToBytes(String(j.ciphertext));
    } catch {
      return corrupt('salt, nonce or ciphertext is not hex');
    }
    if (nonce.length !== 12) return corrupt('nonce is not 12 bytes');
    const plain = chachaPolyDecrypt(
      scryptKey(passphrase, salt, p),
      nonce,
      new TextEncoder().encode(FORMAT),
      sealed,
    );
    if (plain === undefined) {
      return { ok: false, code: 'wrong_passphrase', message: 'the passphrase does not open the seed file' };
    }
    mnemonic = new TextDecoder().decode(plain);
  } else {
    return corrupt(`unknown encryption ${JSON.stringify(j.encryption)}`);
  }
  if (!isValidMnemonic(mnemonic)) return corrupt('the mnemonic fails its BIP 39 checksum');
  return { ok: true, mnemonic, encrypted: j.encryption !== 'none' };
}
