// The wallet's pure bookkeeping: chain events in, coin records out; and the stored form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToHex, scriptKey } from '../../src/chain/index.js';
import { applyChainEvent } from '../../src/wallet/ledger.js';
import { decodeState, emptyState, encodeState } from '../../src/wallet/state.js';

const script = new Uint8Array([0x00, 0x14, ...new Uint8Array(20).fill(1)]);
const lookup = (k: string) => (k === scriptKey(script) ? { branch: 0 as const, index: 4 } : undefined);
const txid = new Uint8Array(32).fill(0xab);
const spender = new Uint8Array(32).fill(0xcd);
const blockHash = new Uint8Array(32).fill(0x11);

test('a confirmed payment becomes a coin, moves the gap window, and asks to watch its outpoint', () => {
  const s = emptyState();
  const confirmed = {
    kind: 'script_confirmed' as const,
    script,
    txid,
    tx: new Uint8Array(),
    vout: 1,
    valueSat: 5000n,
    isCoinbase: false,
    height: 120,
    blockHash,
    txIndex: 3,
    depth: 1,
  };
  const e = applyChainEvent(s, confirmed, lookup);
  assert.deepEqual(e, {
    changed: true,
    used: { branch: 0, height: 120 },
    watch: { outpoint: { txid, vout: 1 }, fromHeight: 120 },
  });
  assert.deepEqual(s.next, [5, 0]);
  const coin = s.coins.get(`${hashToHex(txid)}:1`);
  assert.equal(coin?.valueSat, 5000n);
  assert.equal(coin?.height, 120);
  // The same event again (a depth update or a rescan) changes nothing.
  assert.equal(applyChainEvent(s, { ...confirmed, depth: 2 }, lookup).changed, false);
  // Someone else's script is ignored.
  assert.equal(applyChainEvent(s, { ...confirmed, script: new Uint8Array([0x51]) }, lookup).changed, false);

  applyChainEvent(
    s,
    {
      kind: 'outpoint_spent',
      outpoint: { txid, vout: 1 },
      spendingTxid: spender,
      spendingTx: new Uint8Array(),
      inputIndex: 0,
      height: 125,
      blockHash,
      txIndex: 1,
      depth: 1,
    },
    lookup,
  );
  assert.deepEqual(coin?.spentBy, { txid: spender, height: 125 });

  // A reorg: the spend goes back to unconfirmed, then the payment itself.
  assert.equal(
    applyChainEvent(s, { kind: 'tx_unconfirmed', txid: spender, height: 125, blockHash }, lookup).changed,
    true,
  );
  assert.deepEqual(coin?.spentBy, { txid: spender });
  applyChainEvent(s, { kind: 'tx_unconfirmed', txid, height: 120, blockHash }, lookup);
  assert.equal(coin?.height, undefined);
  applyChainEvent(s, { kind: 'block_disconnected', height: 125, hash: blockHash }, lookup);
  assert.equal(s.syncedHeight, 124);

  // The stored form round-trips.
  s.ownTxs.set('00'.repeat(32), { raw: new Uint8Array([1, 2, 3]), height: 7 });
  coin!.lockedBy = 'lock';
  assert.deepEqual(decodeState(encodeState(s)), s);
});
