// The devnet's fee estimate is a knob tests turn: in process (`setFeeRate`), over HTTP
// (POST /devnet/fee) and from the command line (`--fee-rate`); Esplora clients and the watcher see
// the new estimate for every target.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RawTx } from '@scure/btc-signer/script.js';
import {
  Devnet,
  DevnetError,
  type DevnetServer,
  runDevnetCommand,
  startDevnetServer,
} from '../../src/chain/devnet/index.js';
import { ChainWatcher, EsploraClient } from '../../src/chain/index.js';

let devnet: Devnet;
let server: DevnetServer;
let client: EsploraClient;

before(async () => {
  devnet = new Devnet({ coinbaseMaturity: 1 });
  server = await startDevnetServer({ devnet });
  client = new EsploraClient({ baseUrl: server.url, timeoutMs: 5000 });
});

after(async () => {
  await server.close();
  devnet.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

test('setFeeRate changes the estimate of every target; bad rates are refused', async () => {
  const d = new Devnet({ feeRateSatPerKw: 2000n });
  try {
    assert.equal(d.feeRateSatPerKw, 2000n);
    d.setFeeRate(7_500n);
    assert.equal(d.feeRateSatPerKw, 7_500n);
    assert.throws(() => d.setFeeRate(0n), DevnetError);
    assert.throws(() => d.setFeeRate(2_000_000n), /fee rate must be 1\.\.1000000 sat\/kw/);
    assert.equal(d.feeRateSatPerKw, 7_500n, 'a refused rate changes nothing');
    assert.throws(() => new Devnet({ feeRateSatPerKw: 0n }), DevnetError);
  } finally {
    d.close();
  }
});

test('POST /devnet/fee sets the estimate Esplora clients read; GET reads it back', async () => {
  assert.equal((await client.getFeeEstimates()).get(6), 1000n);
  const set = await call('POST', '/devnet/fee', { satPerKw: 5000 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json, { satPerKw: 5000 });
  const fees = await client.getFeeEstimates();
  assert.equal(fees.get(1), 5000n);
  assert.equal(fees.get(6), 5000n);
  assert.equal(fees.get(144), 5000n);
  assert.deepEqual((await call('GET', '/devnet/fee')).json, { satPerKw: 5000 });
  // sat/vB is accepted too (Esplora's unit), and decimal strings for sat/kw.
  assert.deepEqual((await call('POST', '/devnet/fee', { satPerVbyte: 2 })).json, { satPerKw: 500 });
  assert.deepEqual((await call('POST', '/devnet/fee', { satPerKw: '1250' })).json, { satPerKw: 1250 });
  assert.equal((await client.getFeeEstimates()).get(2), 1250n);
  const zero = await call('POST', '/devnet/fee', { satPerKw: 0 });
  assert.equal(zero.status, 400);
  assert.match(zero.text, /fee rate must be/);
  const missing = await call('POST', '/devnet/fee', {});
  assert.equal(missing.status, 400);
  assert.match(missing.text, /"satPerKw" must be an integer/);
  assert.equal(devnet.feeRateSatPerKw, 1250n, 'refused requests change nothing');
  devnet.setFeeRate(1000n);
});

test('the watcher sees a new estimate once its cache expires; the faucet pays the new rate', async () => {
  let now = 1_000_000;
  const watcher = new ChainWatcher({ backend: client, clock: () => now, feeCacheMs: 1_000 });
  assert.equal(await watcher.estimateFeeSatPerKw(6), 1000n);
  devnet.setFeeRate(4000n);
  assert.equal(await watcher.estimateFeeSatPerKw(6), 1000n, 'cached');
  now += 1_001;
  assert.equal(await watcher.estimateFeeSatPerKw(6), 4000n);
  assert.equal(await watcher.estimateFeeSatPerKw(1), 4000n);
  // The faucet's own transactions follow the rate (fee = weight x rate, rounded up).
  const txid = devnet.faucet(devnet.faucetScript, 10_000n, { mine: false });
  const loc = devnet.getTx(txid);
  assert.ok(loc !== undefined && !loc.confirmed);
  const base = RawTx.encode({ ...loc.ptx.tx, segwitFlag: false, witnesses: undefined }).length;
  const weight = BigInt(base * 3 + loc.ptx.raw.length);
  const rate = (loc.feeSat * 1000n) / weight;
  assert.ok(rate >= 3_900n && rate <= 4_200n, `faucet feerate ${rate} sat/kw`);
  devnet.mine(1);
  devnet.setFeeRate(1000n);
});

test('ksnode devnet --fee-rate serves that estimate', async () => {
  const s = await runDevnetCommand(['--port', '0', '--fee-rate', '3000'], () => {});
  assert.ok(s);
  try {
    const fees = await new EsploraClient({ baseUrl: s.url }).getFeeEstimates();
    assert.equal(fees.get(6), 3000n);
  } finally {
    await s.close();
  }
  await assert.rejects(runDevnetCommand(['--port', '0', '--fee-rate', 'x']), /--fee-rate must be/);
  const help: string[] = [];
  await runDevnetCommand(['--help'], (l) => help.push(l));
  assert.match(help.join('\n'), /--fee-rate N/);
  assert.match(help.join('\n'), /POST \/devnet\/fee/);
});
