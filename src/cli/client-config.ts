// src/cli/client-config.ts: where the CLI finds the daemon and its token. In order: --token,
// --token-file, $KSNODE_TOKEN, then the data directory (--data-dir, $KSNODE_DATA_DIR, ~/.ksnode):
// admin.token if there, else readonly.token.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ClientConfig } from './api-client.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
export const DEFAULT_DATA_DIR = join(homedir(), '.ksnode');

/** The client options every daemon command accepts (commander's camel-cased names). */
export interface ClientFlags {
  api?: string;
  token?: string;
  tokenFile?: string;
  dataDir?: string;
  tlsCert?: string;
}

/** A problem with the client's own settings: no token found, unreadable files (exit code 3). */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClientConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

export function resolveClientConfig(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const apiUrl = flags.api ?? env.KSNODE_API ?? DEFAULT_API_URL;
  let token = flags.token ?? undefined;
  if (token === undefined && flags.tokenFile !== undefined) {
    token = readTrimmed(flags.tokenFile);
    if (token === undefined) throw new ClientConfigError(`--token-file ${flags.tokenFile}: no such file`);
  }
  token ??= env.KSNODE_TOKEN || undefined;
  const dataDir = flags.dataDir ?? env.KSNODE_DATA_DIR ?? DEFAULT_DATA_DIR;
  token ??= readTrimmed(join(dataDir, 'admin.token')) ?? readTrimmed(join(dataDir, 'readonly.token'));
  if (token === undefined || token === '') {
    throw new ClientConfigError(
      `no API token: pass --token or --token-file, set KSNODE_TOKEN, or point --data-dir at the node's data directory (looked in ${dataDir})`,
    );
  }
  const certPath = flags.tlsCert ?? env.KSNODE_TLS_CERT;
  const tlsCa = certPath === undefined ? undefined : readTrimmed(certPath);
  if (certPath !== undefined && tlsCa === undefined)
    throw new ClientConfigError(`--tls-cert ${certPath}: no such file`);
  return { apiUrl, token, ...(tlsCa !== undefined ? { tlsCa } : {}) };
}
