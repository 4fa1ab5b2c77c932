// src/wallet/seed-file.ts: the seed file in the data directory (the shell around seed.ts).
// Created once with mode 0600 and never overwritten; the mnemonic is handed back only then.
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from '../crypto/index.js';
import {
  decodeSeedFile,
  encodeSeedFile,
  isValidMnemonic,
  mnemonicFromEntropy,
  type ScryptParams,
  type SeedFileError,
  seedFromMnemonic,
} from './seed.js';

export interface SeedFileOptions {
  /** Encrypts the file at rest; the same passphrase opens it. */
  passphrase?: string;
  /** Randomness for new entropy, salt and nonce. Default: the system CSPRNG. */
  random?: (n: number) => Uint8Array;
  scrypt?: ScryptParams;
}

export type SeedOpenResult =
  | {
      ok: true;
      /** The 64-byte BIP 39 seed every key derives from. */
      seed: Uint8Array;
      /** Present only when the file was just created: show it to the user once, then forget it. */
      mnemonic?: string;
      created: boolean;
    }
  | { ok: false; code: SeedFileError | 'exists' | 'invalid_mnemonic'; message: string };

function writeNew(path: string, text: string): void {
  // 'wx' refuses to replace an existing file: a seed is never silently overwritten.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600); // in case the umask widened nothing but the platform ignored the mode
}

/** Opens the seed file at `path`, or creates it with a fresh 24-word mnemonic. */
export function openOrCreateSeed(path: string, opts: SeedFileOptions = {}): SeedOpenResult {
  const random = opts.random ?? randomBytes;
  if (!existsSync(path)) {
    const mnemonic = mnemonicFromEntropy(random(32));
    writeNew(path, encodeSeedFile(mnemonic, { ...opts, random }));
    return { ok: true, seed: seedFromMnemonic(mnemonic), mnemonic, created: true };
  }
  // A plain seed readable by others is tightened rather than refused: the file is ours.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const r = decodeSeedFile(readFileSync(path, 'utf8'), opts.passphrase);
  if (!r.ok) return r;
  return { ok: true, seed: seedFromMnemonic(r.mnemonic), created: false };
}

/** Writes a seed file from a mnemonic the user kept (restore). Refuses to replace an existing file. */
export function restoreSeed(path: string, mnemonic: string, opts: SeedFileOptions = {}): SeedOpenResult {
  if (!isValidMnemonic(mnemonic)) {
    return {
      ok: false,
      code: 'invalid_mnemonic',
      message: 'that is not a valid BIP 39 mnemonic (check the words and their order)',
    };
  }
  if (existsSync(path))
    return { ok: false, code: 'exists', message: `${path} already exists: move it away first` };
  writeNew(path, encodeSeedFile(mnemonic, { ...opts, random: opts.random ?? randomBytes }));
  return { ok: true, seed: seedFromMnemonic(mnemonic), created: false };
}
