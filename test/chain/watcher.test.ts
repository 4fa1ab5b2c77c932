import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Devnet, DevnetBackend } from '../../src/chain/devnet/index.js';
import {
  type ChainBackend,
  type ChainEvent,
  ChainWatcher,
  hashToHex,
  matchBlock,
  outpointKey,
  parseTx,
  RecentChain,
  ReorgTooDeepError,
  scriptKey,
} from '../../src/chain/index.js';
import { fund, spend, testKey, txidOfRaw } from './helpers.js';

const alice = testKey(11);
const bob = testKey(12);

function setup(opts: { reorgWindow?: number; startHeight?: number } = {}) {
  const devnet = new Devnet({ coinbaseMaturity: 10 });
  const watcher = new ChainWatcher({ backend: new DevnetBackend(devnet), ...opts });
  const events: ChainEvent[] = [];
  watcher.subscribe((e) => {
    events.push(e);
  });
  return { devnet, watcher, events };
}

const kinds = (events: ChainEvent[]) => events.map((e) => e.kind);

test('RecentChain keeps a window, rolls back top-down, and refuses gaps', () => {
  const c = new RecentChain(3);
  for (let h = 5; h <= 9; h++) c.push({ height: h, hash: new Uint8Array(32).fill(h) });
  assert.equal(c.lowest, 7);
  assert.equal(c.tip?.height, 9);
  assert.deepEqual(c.hashAt(8), new Uint8Array(32).fill(8));
  assert.equal(c.hashAt(6), undefined);
  assert.throws(() => c.push({ height: 11, hash: new Uint8Array(32) }), RangeError);
  assert.deepEqual(
    c.rollbackTo(7).map((b) => b.height),
    [9, 8],
  );
  assert.equal(c.tip?.height, 7);
});

test('matchBlock finds outputs to watched scripts and inputs spending watched outpoints, in block order', () => {
  const devnet = new Devnet({ coinbaseMaturity: 10 });
  const coin = fund(devnet, alice, 10_000n);
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 9_000n }]);
  const ptx = parseTx(raw);
  const m = matchBlock([ptx], new Set([scriptKey(bob.script)]), new Set([outpointKey(coin)]));
  assert.deepEqual(
    m.map((x) => x.kind),
    ['spend', 'script'],
  );
  assert.equal(m[1]!.kind === 'script' && m[1]!.valueSat, 9_000n);
  assert.deepEqual(matchBlock([ptx], new Set(), new Set()), []);
});

test('starts at the tip silently, then reports a watched script with growing depth up to the limit', async () => {
  const { devnet, watcher, events } = setup();
  devnet.mine(12);
  await watcher.sync();
  assert.equal(watcher.tip?.height, 12);
  assert.equal(events.length, 0);
  watcher.watchScript(alice.script, { depthUpdatesUntil: 3 });
  const coin = fund(devnet, alice, 40_000n);
  await watcher.sync();
  const confirmed = events.filter((e) => e.kind === 'script_confirmed');
  assert.equal(confirmed.length, 1);
  const e = confirmed[0]!;
  assert.ok(e.kind === 'script_confirmed');
  assert.deepEqual(e.txid, coin.txid);
  assert.equal(e.vout, coin.vout);
  assert.equal(e.valueSat, 40_000n);
  assert.equal(e.depth, 1);
  assert.equal(e.height, devnet.tipHeight);
  assert.equal(e.txIndex, 1);
  assert.equal(e.isCoinbase, false);
  events.length = 0;
  devnet.mine(4);
  await watcher.sync();
  const depths = events
    .filter((x) => x.kind === 'script_confirmed')
    .map((x) => (x as { depth: number }).depth);
  assert.deepEqual(depths, [2, 3]);
  assert.equal(events.filter((x) => x.kind === 'block_connected').length, 4);
});

test('reports a watched outpoint being spent, and a reorg unconfirms it', async () => {
  const { devnet, watcher, events } = setup();
  const coin = fund(devnet, alice, 40_000n);
  await watcher.sync();
  watcher.watchOutpoint(coin);
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 39_000n }]);
  assert.ok(devnet.submitTx(raw).ok);
  devnet.mine(1);
  await watcher.sync();
  const spent = events.find((e) => e.kind === 'outpoint_spent');
  assert.ok(spent?.kind === 'outpoint_spent');
  assert.deepEqual(spent.spendingTxid, txidOfRaw(raw));
  assert.deepEqual(spent.outpoint, { txid: coin.txid, vout: coin.vout });
  assert.equal(spent.inputIndex, 0);

  events.length = 0;
  const oldTip = devnet.tipHash;
  devnet.reorg(1, { dropTxs: true, newBlocks: 2 });
  await watcher.sync();
  assert.deepEqual(kinds(events), [
    'tx_unconfirmed',
    'block_disconnected',
    'block_connected',
    'block_connected',
  ]);
  const un = events[0]!;
  assert.ok(un.kind === 'tx_unconfirmed');
  assert.deepEqual(un.txid, txidOfRaw(raw));
  assert.deepEqual(un.blockHash, oldTip);
  assert.deepEqual(watcher.tip?.hash, devnet.tipHash);
});

test('a reorg that re-mines the transaction reports it again at its new height', async () => {
  const { devnet, watcher, events } = setup();
  await watcher.sync();
  watcher.watchScript(alice.script);
  const coin = fund(devnet, alice, 40_000n);
  devnet.mine(2); // deep enough that the faucet's coinbase input stays mature after the reorg
  await watcher.sync();
  events.length = 0;
  devnet.reorg(3, { mineTxs: true });
  await watcher.sync();
  // Top-down: the transaction's block is the last one removed.
  assert.deepEqual(kinds(events), [
    'block_disconnected',
    'block_disconnected',
    'tx_unconfirmed',
    'block_disconnected',
    'block_connected',
    'script_confirmed',
    'block_connected',
    'script_confirmed',
    'block_connected',
    'script_confirmed',
  ]);
  const again = events.filter((e) => e.kind === 'script_confirmed');
  assert.deepEqual(
    again.map((e) => (e as { depth: number }).depth),
    [1, 2, 3],
  );
  assert.deepEqual((again[0] as { txid: Uint8Array }).txid, coin.txid);
});

test('a watch with fromHeight rescans old blocks; watches added by a listener mid-rescan are rescanned too', async () => {
  const { devnet, watcher, events } = setup();
  const first = fund(devnet, alice, 10_000n);
  const firstHeight = devnet.tipHeight;
  const second = fund(devnet, bob, 20_000n);
  devnet.mine(2);
  await watcher.sync();
  // When alice's coin is found, start watching bob from that height (as a wallet's gap scan does).
  watcher.subscribe((e) => {
    if (e.kind === 'script_confirmed' && hashToHex(e.script) === hashToHex(alice.script)) {
      watcher.watchScript(bob.script, { fromHeight: e.height });
    }
  });
  watcher.watchScript(alice.script, { fromHeight: 0 });
  await watcher.sync();
  const found = events.filter((e) => e.kind === 'script_confirmed') as {
    txid: Uint8Array;
    depth: number;
    height: number;
  }[];
  assert.deepEqual(
    found.map((f) => hashToHex(f.txid)),
    [hashToHex(first.txid), hashToHex(second.txid)],
  );
  assert.equal(found[0]!.height, firstHeight);
  assert.equal(found[0]!.depth, devnet.tipHeight - firstHeight + 1);
  // Asking again for history already scanned is a no-op.
  events.length = 0;
  watcher.watchScript(alice.script, { fromHeight: 5 });
  await watcher.sync();
  assert.equal(events.length, 0);
  // Both are active now: a new payment to bob is seen once (the alice listener re-adding bob
  // on alice's depth updates does not rescan).
  events.length = 0;
  fund(devnet, bob, 30_000n);
  await watcher.sync();
  assert.equal(events.filter((e) => e.kind === 'script_confirmed' && e.depth === 1).length, 1);
});

test('startHeight replays blocks from there with block_connected events', async () => {
  const { devnet, watcher, events } = setup({ startHeight: 3 });
  devnet.mine(5);
  await watcher.sync();
  assert.deepEqual(
    events.map((e) => (e.kind === 'block_connected' ? e.height : -1)),
    [3, 4, 5],
  );
});

test('a reorg deeper than the window is refused with ReorgTooDeepError', async () => {
  const { devnet, watcher } = setup({ reorgWindow: 3 });
  devnet.mine(10);
  await watcher.sync();
  devnet.mine(3);
  await watcher.sync();
  devnet.reorg(5);
  await assert.rejects(watcher.sync(), ReorgTooDeepError);
});

test('fee estimates: the backend value, the 253 sat/kw floor, the fallback when empty or failing', async () => {
  const { watcher } = setup();
  assert.equal(await watcher.estimateFeeSatPerKw(6), 1000n); // the devnet's rate
  const fake = (estimates: Map<number, bigint> | Error): ChainBackend => ({
    name: 'fake',
    getTip: async () => ({ height: 0, hash: new Uint8Array(32) }),
    getBlockHash: async () => undefined,
    getBlockHeader: async () => undefined,
    getBlock: async () => undefined,
    broadcast: async () => ({ ok: false, code: 'rejected', reason: 'no' }),
    getFeeEstimates: async () => {
      if (estimates instanceof Error) throw estimates;
      return estimates;
    },
  });
  const low = new ChainWatcher({
    backend: fake(
      new Map([
        [2, 100n],
        [6, 50n],
      ]),
    ),
  });
  assert.equal(await low.estimateFeeSatPerKw(6), 253n);
  const picks = new ChainWatcher({
    backend: fake(
      new Map([
        [2, 5000n],
        [6, 2000n],
        [144, 300n],
      ]),
    ),
  });
  assert.equal(await picks.estimateFeeSatPerKw(1), 5000n); // faster than any target: the fastest known
  assert.equal(await picks.estimateFeeSatPerKw(10), 2000n);
  assert.equal(await picks.estimateFeeSatPerKw(1000), 300n);
  const empty = new ChainWatcher({ backend: fake(new Map()), fallbackFeeSatPerKw: 2500n });
  assert.equal(await empty.estimateFeeSatPerKw(6), 2500n);
  const { ChainBackendError } = await import('../../src/chain/index.js');
  const down = new ChainWatcher({ backend: fake(new ChainBackendError('fake', 'down')) });
  assert.equal(await down.estimateFeeSatPerKw(6), 1000n);
});

test('broadcast passes through; a rejected transaction comes back as a value with the reason', async () => {
  const { devnet, watcher } = setup();
  const coin = fund(devnet, alice, 10_000n);
  const ok = await watcher.broadcast(spend(alice, [coin], [{ script: bob.script, amountSat: 9_000n }]));
  assert.ok(ok.ok);
  const bad = await watcher.broadcast(spend(alice, [coin], [{ script: alice.script, amountSat: 8_000n }]));
  assert.ok(!bad.ok);
  assert.equal(bad.code, 'rejected');
  assert.match(bad.reason, /double spend/);
});

test('fee estimates are cached, but never past a new block', async () => {
  const devnet = new Devnet({ coinbaseMaturity: 10 });
  const long = new ChainWatcher({ backend: new DevnetBackend(devnet), feeCacheMs: 3_600_000 });
  devnet.setFeeRate(1_000n);
  await long.sync();
  const before = await long.estimateFeeSatPerKw(6);
  devnet.setFeeRate(5_000n);
  assert.equal(await long.estimateFeeSatPerKw(6), before, 'cached within the hour');
  devnet.mine(1);
  let seen: bigint | undefined;
  long.subscribe(async (e) => {
    if (e.kind === 'block_connected') seen = await long.estimateFeeSatPerKw(6);
  });
  await long.sync();
  assert.ok(seen !== undefined && seen !== before, `a listener of the block sees the new estimate (${seen})`);
});

test('beforeBroadcast runs before the backend sees the transaction (the node flushes its store)', async () => {
  const devnet = new Devnet({ coinbaseMaturity: 10 });
  const order: string[] = [];
  const backend = new DevnetBackend(devnet);
  const pass = backend.broadcast.bind(backend);
  backend.broadcast = async (raw) => {
    order.push('broadcast');
    return pass(raw);
  };
  const watcher = new ChainWatcher({ backend, beforeBroadcast: () => void order.push('flush') });
  const coin = fund(devnet, alice, 10_000n);
  const r = await watcher.broadcast(spend(alice, [coin], [{ script: bob.script, amountSat: 9_000n }]));
  assert.ok(r.ok);
  assert.deepEqual(order, ['flush', 'broadcast']);
});

test('start() polls on its own and stop() ends it', async () => {
  const { devnet, watcher, events } = setup();
  const ready = new Promise<void>((resolve) => {
    watcher.subscribe((e) => {
      if (e.kind === 'block_connected') resolve();
    });
  });
  await watcher.sync();
  devnet.mine(1);
  watcher.start();
  await ready;
  watcher.stop();
  assert.ok(events.some((e) => e.kind === 'block_connected' && e.height === devnet.tipHeight));
});
