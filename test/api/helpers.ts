// test/api/helpers.ts: a small fake network with an API server per node, and a fetch helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, type ApiServerOptions, startApiServer } from '../../src/api/index.js';
import { type SseMessage, SseParser } from '../../src/cli/sse-parser.js';
import { FakeNetwork, type FakeNetworkOptions } from './fake-network.js';
import type { FakeNode } from './fake-node.js';

export interface Harness {
  net: FakeNetwork;
  alice: FakeNode;
  bob: FakeNode;
  carol: FakeNode;
  servers: Map<FakeNode, ApiServer>;
  dataDirs: Map<FakeNode, string>;
  close(): Promise<void>;
}

/**
 * alice -- bob -- carol, 1,000,000 sat channels opened by the left side (bob pushed 100,000 sat to
 * carol); an API server for each, serving the dashboard with `web`.
 */
export async function startHarness(
  opts: { net?: FakeNetworkOptions; api?: Partial<ApiServerOptions>; web?: boolean } = {},
): Promise<Harness> {
  const net = new FakeNetwork(opts.net);
  const alice = net.addNode('alice', { color: '#e0457b' });
  const bob = net.addNode('bob', { color: '#2f9e44' });
  const carol = net.addNode('carol', { color: '#f08c00' });
  net.openChannelNow(alice, bob, 1_000_000n);
  net.openChannelNow(bob, carol, 1_000_000n, 100_000_000n);
  const servers = new Map<FakeNode, ApiServer>();
  const dataDirs = new Map<FakeNode, string>();
  for (const n of [alice, bob, carol]) {
    const dir = mkdtempSync(join(tmpdir(), `ksnode-api-${n.alias}-`));
    dataDirs.set(n, dir);
    const webDir = opts.web === true ? {} : { webDir: false as const };
    servers.set(n, await startApiServer({ facade: n, dataDir: dir, port: 0, ...webDir, ...opts.api }));
  }
  return {
    net,
    alice,
    bob,
    carol,
    servers,
    dataDirs,
    async close() {
      net.close();
      for (const s of servers.values()) await s.close();
      for (const d of dataDirs.values()) rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
}

/** One API call; `token` 'admin' / 'readonly' picks the server's own token. */
export async function call(
  server: ApiServer,
  method: string,
  path: string,
  options: {
    token?: 'admin' | 'readonly' | string | null;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<CallResult> {
  const t = options.token === undefined ? 'admin' : options.token;
  const token = t === 'admin' ? server.tokens.admin : t === 'readonly' ? server.tokens.readonly : t;
  const headers: Record<string, string> = { ...options.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = 'application/json';
  const res = await fetch(server.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** An open event stream: collects messages and comments, waits for one that matches. */
export interface TestStream {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  comments: string[];
  /** Resolves with the first message (already received or coming) that matches, or rejects after `ms`. */
  waitFor(match: (m: SseMessage) => boolean, ms?: number): Promise<SseMessage>;
  waitForComment(match: (c: string) => boolean, ms?: number): Promise<string>;
  close(): void;
}

export async function openStream(
  server: ApiServer,
  query = '',
  options: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<TestStream> {
  const token = options.token === undefined ? server.tokens.admin : options.token;
  const abort = new AbortController();
  const headers: Record<string, string> = { ...options.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}/v1/events${query}`, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const parser = new SseParser();
  if (res.ok && res.body !== null) {
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          for (const item of parser.push(decoder.decode(chunk, { stream: true }))) {
            if (item.kind === 'message') messages.push(item.message);
            else comments.push(item.text);
          }
          for (const w of [...waiters]) w();
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  function waitUntil<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(messages.map((m) => m.event))}`));
      }, ms);
      waiters.add(check);
      check();
    });
  }
  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    waitFor: (match, ms = 3000) => waitUntil(() => messages.find(match), ms, 'matching event'),
    waitForComment: (match, ms = 3000) => waitUntil(() => comments.find(match), ms, 'matching comment'),
    close: () => abort.abort(),
  };
}
