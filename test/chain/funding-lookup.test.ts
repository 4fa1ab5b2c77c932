import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Devnet, DevnetBackend, type DevnetServer, startDevnetServer } from '../../src/chain/devnet/index.js';
import {
  type ChainBackend,
  createFundingLookup,
  EsploraClient,
  type FundingOutputResult,
  splitShortChannelId,
} from '../../src/chain/index.js';
import { fund, spend, testKey } from './helpers.js';

const alice = testKey(1);
const bob = testKey(2);

let devnet: Devnet;
let server: DevnetServer;

before(async () => {
  devnet = new Devnet({ coinbaseMaturity: 1 });
  server = await startDevnetServer({ devnet, port: 0 });
});

after(async () => {
  await server.close();
});

/** BOLT 7 short_channel_id: 3 bytes height, 3 bytes transaction index, 2 bytes output index. */
function scid(height: number, txIndex: number, vout: number): bigint {
  return (BigInt(height) << 40n) | (BigInt(txIndex) << 16n) | BigInt(vout);
}

/** Funds `key` and returns the output's short channel id. */
function fundedScid(amountSat: bigint): { id: bigint; coin: ReturnType<typeof fund> } {
  const coin = fund(devnet, alice, amountSat);
  const loc = devnet.getTx(coin.txid)!;
  assert.ok(loc.confirmed);
  return { id: scid(loc.height, loc.index, coin.vout), coin };
}

const found = (r: FundingOutputResult) =>
  typeof r === 'string' ? r : { ...r, scriptPubKey: [...r.scriptPubKey] };

for (const kind of ['esplora', 'devnet'] as const) {
  const backend = (): ChainBackend =>
    kind === 'esplora' ? new EsploraClient({ baseUrl: server.url }) : new DevnetBackend(devnet);

  test(`${kind}: found once 6 deep, unknown before; wrong indexes and heights are unknown`, async () => {
    const { id } = fundedScid(123_456n);
    const lookup = createFundingLookup(backend());
    // 1 confirmation: not deep enough, and that answer is not cached.
    assert.equal(await lookup.getOutput(id), 'unknown');
    devnet.mine(4);
    assert.equal(await lookup.getOutput(id), 'unknown'); // 5 confirmations
    devnet.mine(1);
    assert.deepEqual(found(await lookup.getOutput(id)), {
      scriptPubKey: [...alice.script],
      valueSat: 123_456n,
    });
    const { height, txIndex, outputIndex } = splitShortChannelId(id);
    assert.equal(await lookup.getOutput(scid(height, txIndex, outputIndex + 5)), 'unknown');
    assert.equal(await lookup.getOutput(scid(height, txIndex + 50, outputIndex)), 'unknown');
    assert.equal(await lookup.getOutput(scid(devnet.tipHeight + 10, 1, 0)), 'unknown');
  });

  test(`${kind}: spent once the spend confirms (a mempool spend does not count)`, async () => {
    const { id, coin } = fundedScid(50_000n);
    devnet.mine(5);
    const lookup = createFundingLookup(backend());
    assert.equal(typeof (await lookup.getOutput(id)), 'object');
    const r = devnet.submitTx(spend(alice, [coin], [{ script: bob.script, amountSat: 49_000n }]));
    assert.ok(r.ok);
    assert.equal(typeof (await lookup.getOutput(id)), 'object'); // cached location, spent re-asked
    devnet.mine(1);
    assert.equal(await lookup.getOutput(id), 'spent');
    assert.equal(await lookup.getOutput(id), 'spent');
  });
}

test('a caller-tracked tip spares the tip query; a low one falls back to the backend', async () => {
  const { id } = fundedScid(77_000n);
  devnet.mine(5);
  let tipCalls = 0;
  const inner = new DevnetBackend(devnet);
  const counting: ChainBackend = {
    name: 'counting',
    getTip: () => {
      tipCalls++;
      return inner.getTip();
    },
    getBlockHash: (h) => inner.getBlockHash(h),
    getBlockHeader: (h) => inner.getBlockHeader(h),
    getBlock: (h) => inner.getBlock(h),
    broadcast: (t) => inner.broadcast(t),
    getFeeEstimates: () => inner.getFeeEstimates(),
  };
  const tracked = createFundingLookup(counting, { tipHeight: () => devnet.tipHeight });
  assert.equal(typeof (await tracked.getOutput(id)), 'object');
  assert.equal(tipCalls, 0);
  const stale = createFundingLookup(counting, { tipHeight: () => 1 });
  assert.equal(typeof (await stale.getOutput(id)), 'object');
  assert.equal(tipCalls, 1);
  // A backend that cannot tell spent outputs (no outspend of its own) reports them unspent.
  assert.deepEqual(found(await stale.getOutput(id)), { scriptPubKey: [...alice.script], valueSat: 77_000n });
});

test('splitShortChannelId reads BOLT 7 positions', () => {
  assert.deepEqual(splitShortChannelId(scid(539_268, 845, 1)), {
    height: 539_268,
    txIndex: 845,
    outputIndex: 1,
  });
});
