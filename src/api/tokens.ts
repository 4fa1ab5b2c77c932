// src/api/tokens.ts: the API's bearer tokens. Two files in the data directory, created at first
// start with 0600 permissions (only the node's user can read them), like lnd's macaroons or CLN's
// runes but simpler: `admin.token` may do everything, `readonly.token` only reads.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, equalBytes, randomBytes, sha256 } from '../crypto/index.js';

export const ADMIN_TOKEN_FILE = 'admin.token';
export const READONLY_TOKEN_FILE = 'readonly.token';

export type TokenRole = 'admin' | 'readonly';

export interface ApiTokens {
  admin: string;
  readonly: string;
}

const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

function readToken(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const token = text.trim();
  if (!TOKEN_PATTERN.test(token)) {
    throw new Error(`${path} does not hold a token (64 hex characters); delete it to have a new one made`);
  }
  return token;
}

function loadOrCreate(dataDir: string, name: string, random: (n: number) => Uint8Array): string {
  const path = join(dataDir, name);
  const existing = readToken(path);
  if (existing !== undefined) {
    // A token readable by others is no secret: tighten it rather than refuse to start.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return existing;
  }
  const token = bytesToHex(random(32));
  // 'wx': never overwrite a token another process wrote meanwhile.
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600); // the umask may have taken bits away from `mode`, never added: be explicit
  return token;
}

/** Reads the tokens from `dataDir`, creating the directory and any missing token first. */
export function loadOrCreateTokens(
  dataDir: string,
  random: (n: number) => Uint8Array = randomBytes,
): ApiTokens {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return {
    admin: loadOrCreate(dataDir, ADMIN_TOKEN_FILE, random),
    readonly: loadOrCreate(dataDir, READONLY_TOKEN_FILE, random),
  };
}

const utf8 = new TextEncoder();

/**
 * Checks presented tokens in constant time: both sides are hashed first, so the comparison always
 * runs over 32 bytes and leaks neither the length nor a prefix of the real token.
 */
export class TokenChecker {
  private readonly adminHash: Uint8Array;
  private readonly readonlyHash: Uint8Array;

  constructor(tokens: ApiTokens) {
    this.adminHash = sha256(utf8.encode(tokens.admin));
    this.readonlyHash = sha256(utf8.encode(tokens.readonly));
  }

  /** The role of a presented token, or undefined when it is neither. */
  roleOf(presented: string): TokenRole | undefined {
    const h = sha256(utf8.encode(presented));
    const admin = equalBytes(h, this.adminHash);
    const readonly = equalBytes(h, this.readonlyHash);
    return admin ? 'admin' : readonly ? 'readonly' : undefined;
  }
}
