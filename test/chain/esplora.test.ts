// The Esplora client against the real devnet HTTP server on 127.0.0.1 (port chosen by the OS).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Devnet,
  type DevnetServer,
  runDevnetCommand,
  startDevnetServer,
} from '../../src/chain/devnet/index.js';
import {
  ChainBackendError,
  type ChainEvent,
  ChainWatcher,
  decodeBlock,
  EsploraClient,
  esploraScripthash,
  hashToHex,
  scriptToAddress,
} from '../../src/chain/index.js';
import { bytesToHex, concatBytes, sha256d } from '../../src/crypto/index.js';
import { fund, spend, testKey, txidOfRaw } from './helpers.js';

const alice = testKey(21);
const bob = testKey(22);
let devnet: Devnet;
let server: DevnetServer;
let client: EsploraClient;

before(async () => {
  devnet = new Devnet({ coinbaseMaturity: 10 });
  server = await startDevnetServer({ devnet });
  client = new EsploraClient({ baseUrl: server.url, timeoutMs: 5000 });
});

after(async () => {
  await server.close();
});

async function post(
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
  const res = await fetch(server.url + path, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

test('tip, block hash by height, header and raw block agree with the devnet', async () => {
  devnet.mine(3);
  const tip = await client.getTip();
  assert.equal(tip.height, devnet.tipHeight);
  assert.deepEqual(tip.hash, devnet.tipHash);
  assert.deepEqual(await client.getBlockHash(1), devnet.blockHashAt(1));
  assert.equal(await client.getBlockHash(tip.height + 5), undefined);
  const header = await client.getBlockHeader(tip.hash);
  assert.deepEqual(header, devnet.block(tip.hash)!.headerBytes);
  const raw = await client.getBlock(tip.hash);
  assert.ok(raw !== undefined);
  assert.deepEqual(decodeBlock(raw).hash, tip.hash);
  const txids = await client.getBlockTxids(tip.hash);
  assert.deepEqual(
    txids,
    devnet.block(tip.hash)!.txs.map((t) => t.txid),
  );
  assert.equal(await client.getBlock(new Uint8Array(32).fill(9)), undefined);
});

test('broadcast: accepted returns the txid; a double spend comes back rejected with the reason', async () => {
  const coin = fund(devnet, alice, 80_000n);
  const first = spend(alice, [coin], [{ script: bob.script, amountSat: 79_000n }]);
  const ok = await client.broadcast(first);
  assert.ok(ok.ok);
  assert.deepEqual(ok.txid, txidOfRaw(first));
  const second = await client.broadcast(spend(alice, [coin], [{ script: alice.script, amountSat: 78_000n }]));
  assert.ok(!second.ok);
  assert.equal(second.code, 'rejected');
  assert.match(second.reason, /double spend/);
  assert.match(second.reason, new RegExp(`${hashToHex(coin.txid)}:${coin.vout}`));
  const garbage = await client.broadcast(new Uint8Array([1, 2, 3]));
  assert.ok(!garbage.ok);
});

test('transaction hex, status, outspend and scripthash queries follow the transaction from mempool to block', async () => {
  const coin = fund(devnet, alice, 60_000n);
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 59_000n }]);
  const txid = txidOfRaw(raw);
  assert.ok((await client.broadcast(raw)).ok);
  assert.deepEqual(await client.getTxHex(txid), raw);
  assert.deepEqual(await client.getTxStatus(txid), { confirmed: false });
  const out = await client.getOutspend(coin);
  assert.ok(out.spent);
  assert.deepEqual(out.txid, txid);
  assert.equal(out.inputIndex, 0);
  assert.deepEqual(out.status, { confirmed: false });
  const unconfirmedUtxos = await client.getScriptUtxos(bob.script);
  assert.ok(
    unconfirmedUtxos.some((u) => hashToHex(u.outpoint.txid) === hashToHex(txid) && !u.status.confirmed),
  );

  devnet.mine(1);
  const status = await client.getTxStatus(txid);
  assert.ok(status?.confirmed);
  assert.equal(status.height, devnet.tipHeight);
  assert.deepEqual(status.blockHash, devnet.tipHash);
  const utxos = await client.getScriptUtxos(bob.script);
  const mine = utxos.find((u) => hashToHex(u.outpoint.txid) === hashToHex(txid));
  assert.ok(mine);
  assert.equal(mine.valueSat, 59_000n);
  assert.equal(mine.outpoint.vout, 0);
  assert.ok(mine.status.confirmed);
  // Alice's script: the funding and the spend, newest first; her coin is no longer unspent.
  const history = await client.getScriptTxids(alice.script);
  assert.deepEqual(
    history.slice(0, 2).map((h) => hashToHex(h.txid)),
    [hashToHex(txid), hashToHex(coin.txid)],
  );
  assert.ok(
    !(await client.getScriptUtxos(alice.script)).some(
      (u) => hashToHex(u.outpoint.txid) === hashToHex(coin.txid),
    ),
  );
  assert.deepEqual(await client.getOutspend({ txid, vout: 0 }), { spent: false });
  assert.equal(await client.getTxStatus(new Uint8Array(32).fill(3)), undefined);
});

test('the scripthash is sha256 of the script, not reversed, and /address/ answers the same', async () => {
  assert.equal(esploraScripthash(bob.script).length, 64);
  const address = scriptToAddress(bob.script, 'regtest')!;
  const viaAddress = await (await fetch(`${server.url}/address/${address}/utxo`)).json();
  const viaHash = await (
    await fetch(`${server.url}/scripthash/${esploraScripthash(bob.script)}/utxo`)
  ).json();
  assert.deepEqual(viaAddress, viaHash);
  assert.ok(Array.isArray(viaHash) && viaHash.length > 0);
});

test('full transaction JSON has Esplora fields; merkle-proof folds to the merkle root', async () => {
  const coin = fund(devnet, alice, 30_000n);
  const tx = (await (await fetch(`${server.url}/tx/${hashToHex(coin.txid)}`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(tx.txid, hashToHex(coin.txid));
  assert.ok(Array.isArray(tx.vin) && Array.isArray(tx.vout));
  assert.equal((tx.vout as { value: number }[])[coin.vout]!.value, 30_000);
  assert.equal((tx.vout as { scriptpubkey_type: string }[])[coin.vout]!.scriptpubkey_type, 'v0_p2wpkh');
  assert.equal(typeof tx.fee, 'number');
  assert.ok((tx.fee as number) > 0);
  const proof = (await (await fetch(`${server.url}/tx/${hashToHex(coin.txid)}/merkle-proof`)).json()) as {
    block_height: number;
    pos: number;
    merkle: string[];
  };
  assert.equal(proof.block_height, devnet.tipHeight);
  assert.equal(proof.pos, 1);
  let acc = coin.txid;
  let pos = proof.pos;
  for (const siblingHex of proof.merkle) {
    const sibling = txidOfHex(siblingHex);
    acc = pos % 2 === 0 ? sha256d(concatBytes(acc, sibling)) : sha256d(concatBytes(sibling, acc));
    pos >>= 1;
  }
  assert.deepEqual(acc, devnet.block(devnet.tipHash)!.header.merkleRoot);
  const block = (await (await fetch(`${server.url}/block/${hashToHex(devnet.tipHash)}`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(block.height, devnet.tipHeight);
  assert.equal(block.tx_count, 2);
  assert.equal(block.merkle_root, hashToHex(devnet.block(devnet.tipHash)!.header.merkleRoot));
});

test('fee estimates come back in sat/kw from the sat/vB the server sends', async () => {
  const fees = await client.getFeeEstimates();
  assert.equal(fees.get(6), 1000n);
  assert.equal(fees.get(1008), 1000n);
  const raw = (await (await fetch(`${server.url}/fee-estimates`)).json()) as Record<string, number>;
  assert.equal(raw['2'], 4);
});

test('devnet endpoints: mine, faucet and reorg over HTTP', async () => {
  const address = scriptToAddress(alice.script, 'regtest')!;
  const before = devnet.tipHeight;
  const mined = await post('/devnet/mine', { blocks: 2, address });
  assert.equal(mined.status, 200);
  assert.equal(mined.json?.height, before + 2);
  assert.equal((mined.json?.hashes as string[] | undefined)?.length, 2);
  const coinbase = devnet.block(devnet.tipHash)!.txs[0]!;
  assert.equal(bytesToHex(coinbase.tx.outputs[0]!.script), bytesToHex(alice.script));

  const paid = await post('/devnet/faucet', { address, amountSat: '12345' });
  assert.equal(paid.status, 200);
  const txid = paid.json?.txid as string;
  assert.equal((await client.getTxStatus(txidOfHex(txid)))?.confirmed, true);

  const tipBefore = hashToHex(devnet.tipHash);
  const reorged = await post('/devnet/reorg', { depth: 1, dropTxs: true });
  assert.equal(reorged.status, 200);
  assert.deepEqual(reorged.json?.disconnected, [tipBefore]);
  assert.equal(await client.getTxStatus(txidOfHex(txid)), undefined);

  const bad = await post('/devnet/faucet', { address: 'not-an-address', amountSat: 1 });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /not a regtest address/);
  const badDepth = await post('/devnet/reorg', { depth: 100_000 });
  assert.equal(badDepth.status, 400);
  assert.equal((await fetch(`${server.url}/nope`)).status, 404);
});

function txidOfHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex')).reverse();
}

test('a ChainWatcher over the Esplora client sees confirmations, spends and reorgs', async () => {
  const watcher = new ChainWatcher({ backend: client });
  const events: ChainEvent[] = [];
  watcher.subscribe((e) => {
    events.push(e);
  });
  await watcher.sync();
  watcher.watchScript(bob.script);
  const coin = fund(devnet, bob, 44_000n);
  await watcher.sync();
  const seen = events.find((e) => e.kind === 'script_confirmed');
  assert.ok(seen?.kind === 'script_confirmed');
  assert.deepEqual(seen.txid, coin.txid);
  events.length = 0;
  devnet.reorg(1, { dropTxs: true });
  await watcher.sync();
  assert.deepEqual(
    events.map((e) => e.kind),
    ['tx_unconfirmed', 'block_disconnected', 'block_connected'],
  );
});

test('an unreachable server is a ChainBackendError, and broadcast reports it as unavailable', async () => {
  const tmp = await startDevnetServer({ devnet: new Devnet() });
  const url = tmp.url;
  await tmp.close();
  const dead = new EsploraClient({ baseUrl: url, timeoutMs: 2000 });
  await assert.rejects(dead.getTip(), ChainBackendError);
  const watcher = new ChainWatcher({ backend: dead });
  const r = await watcher.broadcast(new Uint8Array([1]));
  assert.ok(!r.ok);
  assert.equal(r.code, 'unavailable');
});

test('runDevnetCommand starts a server from flags, serves the API, and closes', async () => {
  const lines: string[] = [];
  const s = await runDevnetCommand(['--port', '0', '--coinbase-maturity', '5'], (l) => lines.push(l));
  assert.ok(s);
  try {
    const c = new EsploraClient({ baseUrl: s.url });
    assert.equal((await c.getTip()).height, 0);
    assert.equal(
      hashToHex((await c.getTip()).hash),
      '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
    );
    assert.ok(lines.some((l) => l.includes(s.url)));
  } finally {
    await s.close();
  }
  await assert.rejects(runDevnetCommand(['--port', 'x']), /--port must be a non-negative integer/);
  await assert.rejects(runDevnetCommand(['--bogus']), /usage: ksnode devnet/);
  const help: string[] = [];
  assert.equal(await runDevnetCommand(['--help'], (l) => help.push(l)), undefined);
  assert.match(help.join('\n'), /--data-file PATH/);
});

test('--block-interval-ms mines on a timer', async () => {
  const s = await startDevnetServer({ devnet: new Devnet(), blockIntervalMs: 20 });
  try {
    const c = new EsploraClient({ baseUrl: s.url });
    const deadline = Date.now() + 3000;
    while ((await c.getTip()).height < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok((await c.getTip()).height >= 2);
  } finally {
    await s.close();
  }
});
