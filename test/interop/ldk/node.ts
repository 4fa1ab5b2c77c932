// test/interop/ldk/node.ts: an LDK 0.1 node (npm lightningdevkit, WebAssembly) in its own
// process, as a peer for ksnode's interop tests. Run it with
//   node --import tsx test/interop/ldk/node.ts --seed <64 hex> [--esplora <url>] [...]
// (config.ts lists the options). It prints one ready line, then answers line-based JSON RPCs on
// stdin/stdout (protocol.ts); LDK's log goes to stderr. It exits on `shutdown` or when stdin ends.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import * as ldk from 'lightningdevkit';
import { ConfigError, parseConfig } from './config.js';
import { LdkNode } from './ldk-node.js';
import { hex } from './ldk-values.js';
import type { FatalLine, ReadyLine, RequestLine, ResponseLine } from './protocol.js';
import { dispatch } from './rpc.js';

// stdout carries only protocol lines: the WASM loader's banner (and anything else that uses
// console.log, e.g. a Rust panic message) goes to stderr.
console.log = console.error;

function emit(line: ReadyLine | FatalLine | ResponseLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function log(line: string): void {
  process.stderr.write(`[ldk] ${line}\n`);
}

function parseRequest(text: string): RequestLine | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'not an object';
  const r = v as Partial<RequestLine>;
  if (typeof r.id !== 'number' || typeof r.method !== 'string') return 'needs a numeric "id" and a "method"';
  if (
    r.params !== undefined &&
    (typeof r.params !== 'object' || r.params === null || Array.isArray(r.params))
  )
    return '"params" must be an object';
  return r as RequestLine;
}

async function main(): Promise<void> {
  const cfg = parseConfig(process.argv.slice(2));
  const wasm = readFileSync(createRequire(import.meta.url).resolve('lightningdevkit/liblightningjs.wasm'));
  await ldk.initializeWasmFromBinary(wasm);
  const node = await LdkNode.create(cfg, log);
  await node.start();
  log(`node ${hex(node.nodeId)} listening on ${cfg.host}:${node.port}`);

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await node.shutdown().catch((e: unknown) => log(`shutdown: ${(e as Error).message}`));
    process.exit(code);
  };
  const input = createInterface({ input: process.stdin });
  input.on('line', (text) => {
    if (text.trim() === '') return;
    const req = parseRequest(text);
    if (typeof req === 'string') {
      log(`bad request line (${req}): ${text.slice(0, 200)}`);
      return;
    }
    if (req.method === 'shutdown') {
      emit({ id: req.id, ok: true, result: null });
      void stop(0);
      return;
    }
    dispatch(node, req.method, req.params).then(
      (result) => emit({ id: req.id, ok: true, result }),
      (e: unknown) => emit({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  // The client went away: nobody can use this node any more.
  input.on('close', () => void stop(0));
  emit({ ready: { nodeId: hex(node.nodeId), port: node.port } });
}

main().catch((e: unknown) => {
  const message =
    e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
  emit({ fatal: message });
  process.exit(1);
});
