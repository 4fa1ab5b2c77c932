// src/chain/http-client.ts: the few HTTP calls the Esplora and bitcoind clients make (global fetch).
import { ChainBackendError } from './errors.js';

export interface HttpAnswer {
  status: number;
  body: Uint8Array;
  text(): string;
}

/** One request with a timeout; network failures become `ChainBackendError`. HTTP errors are returned. */
export async function httpRequest(
  backend: string,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.headers !== undefined ? { headers: init.headers } : {}),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new ChainBackendError(
      backend,
      `${init.method ?? 'GET'} ${url} failed: ${(e as Error).message}${cause ? ` (${cause})` : ''}`,
    );
  }
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, body, text: () => new TextDecoder().decode(body) };
}
