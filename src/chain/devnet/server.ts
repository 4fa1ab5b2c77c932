// src/chain/devnet/server.ts: the devnet over HTTP, speaking the Esplora API subset that
// EsploraClient (and tools such as LDK's esplora sync) use, plus /devnet/* controls.
// Loopback only by default: the faucet and reorg endpoints are unauthenticated.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bytesToHex, hexToBytes, sha256 } from '../../crypto/index.js';
import { addressToScript } from '../address.js';
import { merkleBranch } from '../block.js';
import { satPerKwToSatPerVbyte } from '../fees.js';
import { hashFromHex, hashToHex } from '../ids.js';
import { DEVNET_NETWORK, type Devnet, DevnetError } from './devnet.js';
import { blockJson, ESPLORA_FEE_TARGETS, type Json, statusJson, txJson } from './esplora-json.js';

export interface DevnetServerOptions {
  devnet: Devnet;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** Mine a block this often (ms); off by default. */
  blockIntervalMs?: number;
  /** Where to say what happened (mined blocks, errors). */
  log?: (line: string) => void;
}

export interface DevnetServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Reply = { status?: number; text?: string; json?: Json; bytes?: Uint8Array };

function hashParam(s: string): Uint8Array {
  try {
    return hashFromHex(s);
  } catch {
    throw new HttpError(400, `Invalid hash: ${s}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        reject(new HttpError(413, 'body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function jsonBody(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text || '{}');
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  throw new HttpError(400, 'expected a JSON object body');
}

function intField(body: Record<string, unknown>, name: string, fallback?: number): number {
  const v = body[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new HttpError(400, `"${name}" must be a non-negative integer`);
  return v;
}

function satField(body: Record<string, unknown>, name: string): bigint {
  const v = body[name];
  if ((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v)))
    return BigInt(v);
  throw new HttpError(400, `"${name}" must be an integer number of satoshis (number or decimal string)`);
}

function scripthashOfAddress(address: string): string {
  const r = addressToScript(address, DEVNET_NETWORK);
  if (!r.ok) throw new HttpError(400, r.reason);
  return bytesToHex(sha256(r.script));
}

/** Routes one request against the devnet. */
function route(devnet: Devnet, method: string, path: string, body: string): Reply {
  const parts = path.split('/').filter((p) => p !== '');
  const [a, b, c, d] = parts;
  const notFound = (what: string): Reply => ({ status: 404, text: `${what} not found` });
  if (method === 'GET') {
    if (a === 'blocks' && b === 'tip' && c === 'height' && parts.length === 3)
      return { text: String(devnet.tipHeight) };
    if (a === 'blocks' && b === 'tip' && c === 'hash' && parts.length === 3)
      return { text: hashToHex(devnet.tipHash) };
    if (a === 'block-height' && b !== undefined && parts.length === 2) {
      const h = /^\d+$/.test(b) ? devnet.blockHashAt(Number(b)) : undefined;
      return h === undefined ? notFound('Block') : { text: hashToHex(h) };
    }
    if (a === 'block' && b !== undefined) {
      const hash = hashParam(b);
      const block = devnet.block(hash);
      if (block === undefined) return notFound('Block');
      if (c === undefined) return { json: blockJson(devnet, hash)! };
      if (c === 'header' && d === undefined) return { text: bytesToHex(block.headerBytes) };
      if (c === 'raw' && d === undefined) return { bytes: block.raw };
      if (c === 'txids' && d === undefined) return { json: block.txs.map((t) => hashToHex(t.txid)) };
      if (c === 'status' && d === undefined) {
        const next = devnet.blockHashAt(block.height + 1);
        return {
          json: { in_best_chain: true, height: block.height, next_best: next ? hashToHex(next) : null },
        };
      }
    }
    if (a === 'tx' && b !== undefined) {
      const txid = hashParam(b);
      const loc = devnet.getTx(txid);
      if (c === 'outspend' && d !== undefined && parts.length === 4) {
        const s = /^\d+$/.test(d) ? devnet.outspend(txid, Number(d)) : undefined;
        if (s === undefined) return { json: { spent: false } };
        const spender = devnet.getTx(s.txid)!;
        return { json: { spent: true, txid: hashToHex(s.txid), vin: s.vin, status: statusJson(spender) } };
      }
      if (loc === undefined) return notFound('Transaction');
      if (c === undefined) return { json: txJson(devnet, loc) };
      if (c === 'hex' && d === undefined) return { text: bytesToHex(loc.ptx.raw) };
      if (c === 'raw' && d === undefined) return { bytes: loc.ptx.raw };
      if (c === 'status' && d === undefined) return { json: statusJson(loc) };
      if (c === 'outspends' && d === undefined) {
        return {
          json: loc.ptx.tx.outputs.map((_, vout): Json => {
            const s = devnet.outspend(txid, vout);
            return s === undefined
              ? { spent: false }
              : {
                  spent: true,
                  txid: hashToHex(s.txid),
                  vin: s.vin,
                  status: statusJson(devnet.getTx(s.txid)!),
                };
          }),
        };
      }
      if (c === 'merkle-proof' && d === undefined) {
        if (!loc.confirmed) return { status: 400, text: 'Transaction is unconfirmed' };
        const block = devnet.block(loc.blockHash)!;
        const branch = merkleBranch(
          block.txs.map((t) => t.txid),
          loc.index,
        );
        return { json: { block_height: loc.height, merkle: branch.map(hashToHex), pos: loc.index } };
      }
    }
    if ((a === 'scripthash' || a === 'address') && b !== undefined && parts.length === 3) {
      const sh = a === 'address' ? scripthashOfAddress(b) : b.toLowerCase();
      if (c === 'utxo') {
        return {
          json: devnet.utxosByScripthash(sh).map((u) => {
            const status = u.confirmed
              ? statusJson(devnet.getTx(hashFromHex(u.txidHex))!)
              : { confirmed: false };
            return { txid: u.txidHex, vout: u.vout, value: Number(u.valueSat), status };
          }),
        };
      }
      if (c === 'txs') {
        const all = devnet.txsByScripthash(sh);
        const mempool = all.filter((t) => !t.confirmed).slice(0, 50);
        const confirmed = all.filter((t) => t.confirmed).slice(0, 25);
        return { json: [...mempool, ...confirmed].map((t) => txJson(devnet, t)) };
      }
    }
    if (a === 'fee-estimates' && parts.length === 1) {
      const rate = satPerKwToSatPerVbyte(devnet.feeRateSatPerKw);
      return { json: Object.fromEntries(ESPLORA_FEE_TARGETS.map((t) => [String(t), rate])) };
    }
    if (a === 'mempool' && b === 'txids' && parts.length === 2)
      return { json: devnet.mempoolTxids().map(hashToHex) };
    if (a === 'devnet' && b === 'fee' && parts.length === 2)
      return { json: { satPerKw: Number(devnet.feeRateSatPerKw) } };
  }
  if (method === 'POST') {
    if (a === 'tx' && parts.length === 1) {
      let raw: Uint8Array;
      try {
        raw = hexToBytes(body.trim());
      } catch {
        throw new HttpError(400, 'expected the transaction as hex in the body');
      }
      const r = devnet.submitTx(raw);
      if (!r.ok)
        return {
          status: 400,
          text: `sendrawtransaction RPC error: ${JSON.stringify({ code: r.code, message: r.message })}`,
        };
      return { text: hashToHex(r.txid) };
    }
    if (a === 'devnet' && parts.length === 2) {
      const j = jsonBody(body);
      if (b === 'mine') {
        const blocks = intField(j, 'blocks', 1);
        const hashes =
          typeof j.address === 'string' ? devnet.mineToAddress(blocks, j.address) : devnet.mine(blocks);
        return { json: { height: devnet.tipHeight, hashes: hashes.map(hashToHex) } };
      }
      if (b === 'faucet') {
        if (typeof j.address !== 'string') throw new HttpError(400, '"address" must be a string');
        const txid = devnet.faucet(j.address, satField(j, 'amountSat'), { mine: j.mine !== false });
        return { json: { txid: hashToHex(txid), height: devnet.tipHeight } };
      }
      if (b === 'fee') {
        // Sets the estimate every fee target serves: `{"satPerKw": 5000}` (or `"satPerVbyte"`).
        const rate =
          j.satPerVbyte !== undefined ? BigInt(intField(j, 'satPerVbyte')) * 250n : satField(j, 'satPerKw');
        devnet.setFeeRate(rate);
        return { json: { satPerKw: Number(devnet.feeRateSatPerKw) } };
      }
      if (b === 'reorg') {
        const r = devnet.reorg(intField(j, 'depth'), {
          ...(j.newBlocks !== undefined ? { newBlocks: intField(j, 'newBlocks') } : {}),
          mineTxs: j.mineTxs === true,
          dropTxs: j.dropTxs === true,
        });
        return {
          json: {
            height: devnet.tipHeight,
            disconnected: r.disconnected.map(hashToHex),
            connected: r.connected.map(hashToHex),
          },
        };
      }
    }
  }
  return { status: 404, text: `no such endpoint: ${method} ${path}` };
}

function send(res: ServerResponse, r: Reply): void {
  const status = r.status ?? 200;
  if (r.bytes !== undefined) {
    res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': r.bytes.length });
    res.end(r.bytes);
  } else if (r.json !== undefined) {
    const text = JSON.stringify(r.json);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  } else {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(r.text ?? '');
  }
}

/** Serves `devnet` until `close()`. */
export async function startDevnetServer(opts: DevnetServerOptions): Promise<DevnetServer> {
  const { devnet } = opts;
  const log = opts.log ?? (() => {});
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://devnet');
    readBody(req)
      .then((body) => send(res, route(devnet, req.method ?? 'GET', url.pathname, body)))
      .catch((e: unknown) => {
        if (e instanceof HttpError) return send(res, { status: e.status, text: e.message });
        if (e instanceof DevnetError) return send(res, { status: 400, text: e.message });
        log(`devnet: ${req.method} ${url.pathname} failed: ${(e as Error).stack ?? String(e)}`);
        send(res, { status: 500, text: 'internal error' });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (opts.blockIntervalMs !== undefined && opts.blockIntervalMs > 0) {
    timer = setInterval(() => {
      try {
        devnet.mine(1);
        log(`devnet: mined block ${devnet.tipHeight} ${hashToHex(devnet.tipHash)}`);
      } catch (e) {
        log(`devnet: mining failed: ${(e as Error).message}`);
      }
    }, opts.blockIntervalMs);
  }
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer !== undefined) clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
