// The bitcoind JSON-RPC client against recorded-style answers served by a tiny local HTTP server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  BitcoindClient,
  BitcoindRpcError,
  ChainBackendError,
  type ChainEvent,
  ChainWatcher,
  decodeBlock,
  hashFromHex,
  hashToHex,
} from '../../src/chain/index.js';
import { hexToBytes } from '../../src/crypto/index.js';

interface Exchange {
  method: string;
  params: unknown[];
  status: number;
  result?: unknown;
  error?: { code: number; message: string };
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/chain/bitcoind/genesis-node.json', import.meta.url), 'utf8'),
) as {
  auth: { username: string; password: string };
  exchanges: Exchange[];
};
const genesis = JSON.parse(readFileSync(new URL('../fixtures/chain/genesis.json', import.meta.url), 'utf8'));

let server: Server;
let url: string;
let queue: Exchange[];
const calls: string[] = [];

before(async () => {
  queue = [...fixture.exchanges];
  const expectedAuth = `Basic ${Buffer.from(`${fixture.auth.username}:${fixture.auth.password}`).toString('base64')}`;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401).end(); // Bitcoin Core answers bad credentials with an empty 401
        return;
      }
      const rq = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      calls.push(rq.method);
      const i = queue.findIndex(
        (x) => x.method === rq.method && JSON.stringify(x.params) === JSON.stringify(rq.params),
      );
      if (i < 0) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            result: null,
            error: { code: -1, message: `fixture has no ${rq.method} ${JSON.stringify(rq.params)}` },
            id: rq.id,
          }),
        );
        return;
      }
      const x = queue[i]!;
      // Keep the last answer for a request so repeated reads (getblockcount) keep working.
      if (
        queue.filter((y) => y.method === x.method && JSON.stringify(y.params) === JSON.stringify(x.params))
          .length > 1
      ) {
        queue.splice(i, 1);
      }
      res.writeHead(x.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: x.result ?? null, error: x.error ?? null, id: rq.id }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
});

const client = () => new BitcoindClient({ url, ...fixture.auth, timeoutMs: 5000 });

test('tip, block hash, header and raw block (verbosity 0) of a genesis-only node', async () => {
  const c = client();
  const tip = await c.getTip();
  assert.equal(tip.height, 0);
  assert.equal(hashToHex(tip.hash), genesis.mainnet.hash);
  assert.equal(await c.getBlockHash(1), undefined); // -8 "Block height out of range"
  assert.deepEqual(await c.getBlockHeader(tip.hash), hexToBytes(genesis.mainnet.blockHex).subarray(0, 80));
  const raw = await c.getBlock(tip.hash);
  assert.ok(raw);
  assert.equal(hashToHex(decodeBlock(raw).hash), genesis.mainnet.hash);
  const unknown = hashFromHex(`${'00'.repeat(31)}01`);
  assert.equal(await c.getBlock(unknown), undefined); // -5 "Block not found"
  assert.equal(await c.getBlockHeader(unknown), undefined);
});

test('getblock verbosity 1 gives height, confirmations and txids', async () => {
  const info = await client().getBlockInfo(hashFromHex(genesis.mainnet.hash));
  assert.ok(info);
  assert.equal(info.height, 0);
  assert.equal(info.confirmations, 1);
  assert.equal(info.previousBlockHash, undefined);
  assert.deepEqual(info.txids.map(hashToHex), [genesis.mainnet.coinbaseTxid]);
  assert.equal(info.time, genesis.mainnet.time);
});

test('sendrawtransaction: accepted, then already known (-27), and a coinbase refused (-26)', async () => {
  const c = client();
  const tx = fixture.exchanges.find((x) => x.method === 'sendrawtransaction' && x.status === 200)!;
  const first = await c.broadcast(hexToBytes(tx.params[0] as string));
  assert.ok(first.ok);
  assert.equal(hashToHex(first.txid), tx.result);
  const again = await c.broadcast(hexToBytes(tx.params[0] as string));
  assert.ok(!again.ok);
  assert.equal(again.code, 'rejected');
  assert.match(again.reason, /-27.*already in utxo set/);
  const coinbase = await c.broadcast(hexToBytes((genesis.mainnet.blockHex as string).slice(162)));
  assert.ok(!coinbase.ok);
  assert.match(coinbase.reason, /-26: coinbase/);
});

test('estimatesmartfee: BTC/kvB becomes sat/kw; targets without data are skipped', async () => {
  const fees = await client().getFeeEstimates();
  assert.equal(fees.get(1), 5000n); // 0.0002 BTC/kvB = 20000 sat/kvB = 5000 sat/kw
  assert.equal(fees.get(6), 2503n); // 10013 sat/kvB / 4, rounded down
  assert.equal(fees.get(24), 500n);
  assert.equal(fees.has(144), false); // {"errors": ["Insufficient data or no feerate found"]}
  assert.equal(fees.get(1008), 250n);
  const w = new ChainWatcher({ backend: client() });
  assert.equal(await w.estimateFeeSatPerKw(1008), 253n); // the relay floor
  assert.equal(await w.estimateFeeSatPerKw(8), 2503n);
});

test('RPC errors (an unknown method answered with HTTP 404 too) are typed; bad credentials are a backend error', async () => {
  await assert.rejects(
    client().call('getnonsense', []),
    (e: unknown) => e instanceof BitcoindRpcError && e.code === -32601,
  );
  const wrong = new BitcoindClient({ url, username: 'ksnode', password: 'wrong', timeoutMs: 5000 });
  await assert.rejects(
    wrong.getTip(),
    (e: unknown) => e instanceof ChainBackendError && e.status === 401 && /authentication/.test(e.message),
  );
  const r = await wrong.broadcast(new Uint8Array([1]));
  assert.ok(!r.ok);
  assert.equal(r.code, 'unavailable');
});

test('a ChainWatcher over bitcoind starts at its tip', async () => {
  const w = new ChainWatcher({ backend: client() });
  const events: ChainEvent[] = [];
  w.subscribe((e) => {
    events.push(e);
  });
  await w.sync();
  assert.equal(w.tip?.height, 0);
  assert.equal(hashToHex(w.tip!.hash), genesis.mainnet.hash);
  assert.equal(events.length, 0);
  assert.ok(calls.includes('getblockcount'));
});
