import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Devnet, MemoryBlockLog } from '../../src/chain/devnet/index.js';
import { decodeBlock, hashToHex, isCoinbase } from '../../src/chain/index.js';
import { bytesToHex } from '../../src/crypto/index.js';
import { fund, spend, testKey, txidOfRaw } from './helpers.js';

const alice = testKey(1);
const bob = testKey(2);
const carol = testKey(3);

test('the faucet matures coinbase coins, pays, and mines: the payment is confirmed with its fee', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 250_000n);
  assert.equal(devnet.tipHeight, 101); // 100 blocks to mature the first coinbase, then the payment's block
  const loc = devnet.getTx(coin.txid);
  assert.ok(loc?.confirmed);
  assert.equal(loc.height, 101);
  assert.equal(loc.ptx.tx.outputs[coin.vout]!.amount, 250_000n);
  // The block's coinbase collects subsidy plus the payment's fee.
  const block = decodeBlock(devnet.block(loc.blockHash)!.raw);
  assert.ok(isCoinbase(block.txs[0]!.tx));
  const coinbaseValue = block.txs[0]!.tx.outputs[0]!.amount;
  assert.ok(coinbaseValue > 5_000_000_000n, `coinbase ${coinbaseValue} includes the fee`);
  // BIP 141 commitment output is present.
  assert.equal(bytesToHex(block.txs[0]!.tx.outputs[1]!.script.subarray(0, 6)), '6a24aa21a9ed');
});

test('a spend is accepted into the mempool and mined; outspend and status follow it', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n);
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }]);
  const r = devnet.submitTx(raw);
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(devnet.getTx(r.txid)?.confirmed, false);
  assert.deepEqual(devnet.outspend(coin.txid, coin.vout)?.txid, r.txid);
  assert.equal(devnet.outspend(coin.txid, coin.vout)?.height, undefined);
  // Resubmitting a mempool transaction is harmless.
  assert.ok(devnet.submitTx(raw).ok);
  devnet.mine(1);
  assert.equal(devnet.getTx(r.txid)?.confirmed, true);
  assert.equal(devnet.outspend(coin.txid, coin.vout)?.height, devnet.tipHeight);
  const again = devnet.submitTx(raw);
  assert.equal(again.ok ? 'ok' : again.code, 'already-confirmed');
});

test('a double spend is rejected with an error naming the outpoint and the conflicting transaction', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n);
  const first = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }]);
  const second = spend(alice, [coin], [{ script: carol.script, amountSat: 98_000n }]);
  assert.ok(devnet.submitTx(first).ok);
  const r = devnet.submitTx(second);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.code, 'double-spend');
  const outpoint = `${hashToHex(coin.txid)}:${coin.vout}`;
  assert.match(r.message, new RegExp(outpoint));
  assert.match(r.message, new RegExp(hashToHex(txidOfRaw(first))));
  // Once the first is confirmed, the second spends a coin that no longer exists.
  devnet.mine(1);
  const later = devnet.submitTx(second);
  assert.ok(!later.ok);
  assert.equal(later.code, 'missing-input');
  assert.match(later.message, new RegExp(outpoint));
});

test('outputs above inputs, unknown inputs, duplicate inputs and immature coinbase spends are rejected', () => {
  const devnet = new Devnet({ coinbaseMaturity: 5 });
  const coin = fund(devnet, alice, 50_000n);
  const tooMuch = devnet.submitTx(spend(alice, [coin], [{ script: bob.script, amountSat: 50_001n }]));
  assert.ok(!tooMuch.ok);
  assert.equal(tooMuch.code, 'outputs-exceed-inputs');
  const ghost = { txid: new Uint8Array(32).fill(7), vout: 0, valueSat: 1000n };
  const missing = devnet.submitTx(spend(alice, [ghost], [{ script: bob.script, amountSat: 500n }]));
  assert.ok(!missing.ok);
  assert.equal(missing.code, 'missing-input');
  const dup = devnet.submitTx(spend(alice, [coin, coin], [{ script: bob.script, amountSat: 500n }]));
  assert.ok(!dup.ok);
  assert.equal(dup.code, 'duplicate-input');

  // A coinbase paid to alice can be spent only after 5 confirmations here.
  devnet.mine(1, { payoutScript: alice.script });
  const cbHeight = devnet.tipHeight;
  const cb = devnet.block(devnet.tipHash)!.txs[0]!;
  const cbCoin = { txid: cb.txid, vout: 0, valueSat: cb.tx.outputs[0]!.amount };
  const cbSpend = spend(alice, [cbCoin], [{ script: bob.script, amountSat: 1_000_000n }]);
  const early = devnet.submitTx(cbSpend);
  assert.ok(!early.ok);
  assert.equal(early.code, 'immature-coinbase');
  assert.match(early.message, new RegExp(`block ${cbHeight + 5}`));
  devnet.mine(3);
  assert.equal(devnet.submitTx(cbSpend).ok, false);
  devnet.mine(1); // the next block is cbHeight + 5
  assert.ok(devnet.submitTx(cbSpend).ok);
});

test('a wrong signature fails script verification', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n);
  // Signed by bob's key for alice's output: the public key does not match the program.
  const forged = spend(
    { ...bob, script: alice.script },
    [coin],
    [{ script: bob.script, amountSat: 90_000n }],
  );
  const r = devnet.submitTx(forged);
  assert.ok(!r.ok);
  assert.equal(r.code, 'script');
  assert.match(r.message, /input 0/);
  // Alice's real signature passes.
  assert.ok(devnet.submitTx(spend(alice, [coin], [{ script: bob.script, amountSat: 90_000n }])).ok);
});

test('nLockTime by height: final only in a block above the lock height', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n);
  const lockTime = devnet.tipHeight + 2;
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }], { lockTime });
  const r = devnet.submitTx(raw);
  assert.ok(!r.ok);
  assert.equal(r.code, 'non-final');
  devnet.mine(1); // next block is lockTime: still not above it
  assert.equal(devnet.submitTx(raw).ok, false);
  devnet.mine(1);
  assert.ok(devnet.submitTx(raw).ok);
  // With every sequence final, nLockTime is ignored.
  const coin2 = fund(devnet, alice, 100_000n);
  const finalSeq = spend(alice, [coin2], [{ script: bob.script, amountSat: 99_000n }], {
    lockTime: devnet.tipHeight + 50,
    sequence: 0xffffffff,
  });
  assert.ok(devnet.submitTx(finalSeq).ok);
});

test('nLockTime by time is measured against median time past', () => {
  let now = 1_800_000_000_000;
  const devnet = new Devnet({ clock: () => now });
  const coin = fund(devnet, alice, 100_000n);
  const mtp = devnet.medianTimePast(devnet.tipHeight);
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }], { lockTime: mtp + 600 });
  assert.equal(devnet.submitTx(raw).ok, false);
  now += 3_600_000;
  devnet.mine(11); // move the median past the lock
  assert.ok(devnet.medianTimePast(devnet.tipHeight) > mtp + 600);
  assert.ok(devnet.submitTx(raw).ok);
});

test('BIP 68 relative locks by height: a 3-block lock needs the coin 3 blocks deep', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n); // confirmed in the tip block
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }], { sequence: 3 });
  const r = devnet.submitTx(raw);
  assert.ok(!r.ok);
  assert.equal(r.code, 'sequence-lock');
  devnet.mine(1);
  assert.equal(devnet.submitTx(raw).ok, false);
  devnet.mine(1); // the next block is the third on top of the coin's
  assert.ok(devnet.submitTx(raw).ok);
  // Version 1 transactions ignore the sequence lock.
  const coin2 = fund(devnet, alice, 100_000n);
  assert.ok(
    devnet.submitTx(
      spend(alice, [coin2], [{ script: bob.script, amountSat: 99_000n }], { sequence: 3, version: 1 }),
    ).ok,
  );
});

test('BIP 68 relative locks by time (512-second units) against median time past', () => {
  let now = 1_800_000_000_000;
  const devnet = new Devnet({ clock: () => now });
  const coin = fund(devnet, alice, 100_000n);
  const sequence = (1 << 22) | 2; // 1024 seconds
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }], { sequence });
  assert.equal(devnet.submitTx(raw).ok, false);
  now += 2_000_000;
  devnet.mine(11);
  const r = devnet.submitTx(raw);
  assert.ok(r.ok, r.ok ? '' : r.message);
});

test('mempool chains: a child of an unconfirmed parent is accepted and both are mined together', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n);
  const parent = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }]);
  assert.ok(devnet.submitTx(parent).ok);
  const child = spend(
    bob,
    [{ txid: txidOfRaw(parent), vout: 0, valueSat: 99_000n }],
    [{ script: carol.script, amountSat: 98_000n }],
  );
  assert.ok(devnet.submitTx(child).ok);
  // A relative lock on an unconfirmed parent is never met.
  const locked = spend(
    bob,
    [{ txid: txidOfRaw(parent), vout: 0, valueSat: 99_000n }],
    [{ script: carol.script, amountSat: 1n }],
    {
      sequence: 1,
    },
  );
  assert.equal(devnet.submitTx(locked).ok, false);
  devnet.mine(1);
  assert.equal(devnet.getTx(txidOfRaw(child))?.confirmed, true);
  assert.deepEqual(devnet.mempoolTxids(), []);
});

test('reorg: blocks are replaced, their transactions return to the mempool, or are dropped, or re-mined', () => {
  const devnet = new Devnet();
  const coin = fund(devnet, alice, 100_000n);
  const raw = spend(alice, [coin], [{ script: bob.script, amountSat: 99_000n }]);
  const txid = txidOfRaw(raw);
  assert.ok(devnet.submitTx(raw).ok);
  devnet.mine(1);
  const height = devnet.tipHeight;
  const oldTip = devnet.tipHash;
  const { disconnected, connected } = devnet.reorg(1);
  assert.deepEqual(disconnected, [oldTip]);
  assert.equal(connected.length, 1);
  assert.equal(devnet.tipHeight, height);
  assert.notDeepEqual(devnet.tipHash, oldTip);
  assert.equal(devnet.block(oldTip), undefined);
  assert.equal(devnet.getTx(txid)?.confirmed, false); // back in the mempool

  devnet.reorg(1, { mineTxs: true });
  assert.equal(devnet.getTx(txid)?.confirmed, true);

  devnet.reorg(1, { dropTxs: true, newBlocks: 2 });
  assert.equal(devnet.getTx(txid), undefined);
  assert.equal(devnet.tipHeight, height + 1);
  // The coin it spent is spendable again, by a different transaction.
  assert.ok(devnet.submitTx(spend(alice, [coin], [{ script: carol.script, amountSat: 90_000n }])).ok);
});

test('reorg below a coinbase drops the spends that became immature or lost their inputs', () => {
  const devnet = new Devnet({ coinbaseMaturity: 3 });
  devnet.mine(1, { payoutScript: alice.script });
  const cb = devnet.block(devnet.tipHash)!.txs[0]!;
  devnet.mine(3);
  const raw = spend(
    alice,
    [{ txid: cb.txid, vout: 0, valueSat: cb.tx.outputs[0]!.amount }],
    [{ script: bob.script, amountSat: 1000n }],
  );
  assert.ok(devnet.submitTx(raw).ok);
  devnet.reorg(4); // removes the coinbase itself
  assert.equal(devnet.getTx(txidOfRaw(raw)), undefined);
  assert.equal(devnet.getTx(cb.txid), undefined);
});

test('persistence: blocks are appended to a file and replayed; a reorg rewrites it; a torn tail is ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-devnet-'));
  try {
    const file = join(dir, 'blocks.dat');
    const a = new Devnet({ dataFile: file, coinbaseMaturity: 10 });
    const coin = fund(a, alice, 70_000n);
    const tip = a.tipHash;
    a.close();
    const b = new Devnet({ dataFile: file, coinbaseMaturity: 10 });
    assert.deepEqual(b.tipHash, tip);
    assert.equal(b.tipHeight, 11);
    // The UTXO set was rebuilt: alice's coin can be spent, the faucet can pay again.
    assert.ok(b.submitTx(spend(alice, [coin], [{ script: bob.script, amountSat: 60_000n }])).ok);
    b.mine(1);
    fund(b, carol, 5_000n);
    b.reorg(2);
    const afterReorg = b.tipHash;
    b.close();
    const c = new Devnet({ dataFile: file, coinbaseMaturity: 10 });
    assert.deepEqual(c.tipHash, afterReorg);
    c.close();
    // A crash mid-append leaves a partial record: it is dropped, the chain before it survives.
    truncateSync(file, statSync(file).size - 7);
    const d = new Devnet({ dataFile: file, coinbaseMaturity: 10 });
    assert.equal(d.tipHeight, c.tipHeight - 1);
    d.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a memory block log receives every mined block', () => {
  const log = new MemoryBlockLog();
  const devnet = new Devnet({ blockLog: log });
  devnet.mine(3);
  assert.equal(log.blocks.length, 3);
  assert.deepEqual(decodeBlock(log.blocks[2]!).hash, devnet.tipHash);
});
