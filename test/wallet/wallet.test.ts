// The wallet against an in-process devnet: fund from the faucet, send, receive, spend change,
// survive reorgs, restore from the seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToHex, outpointKey, parseTx, scriptToAddress, txWeight } from '../../src/chain/index.js';
import { KeyManager, type WalletCoin } from '../../src/wallet/index.js';
import { newEnv, openWallet, seedFor } from './helpers.js';

const keysOf = (coins: WalletCoin[]) => coins.map((c) => outpointKey(c.outpoint)).sort();

test('fund from the faucet, send to another wallet, receive, and spend the change', async () => {
  const env = newEnv();
  const a = await openWallet(env, seedFor(1));
  const b = await openWallet(env, seedFor(2));
  env.devnet.faucet(await a.wallet.newAddress(), 1_000_000n);
  await a.watcher.sync();
  assert.deepEqual(a.wallet.balance(), {
    confirmedSat: 1_000_000n,
    unconfirmedSat: 0n,
    lockedSat: 0n,
    immatureSat: 0n,
  });

  const bAddr = await b.wallet.newAddress();
  const sent = await a.wallet.send(bAddr, 300_000n, { feeRateSatPerKw: 2000n });
  assert.ok(sent.ok, sent.ok ? '' : sent.message);
  const { tx } = parseTx(sent.raw);
  // The fee meets the requested rate (estimates count 72-byte signatures; real ones may be shorter).
  assert.ok((sent.feeSat * 1000n) / BigInt(txWeight(tx)) >= 2000n);
  assert.equal(sent.feeSat, 1124n); // 562 WU (overhead 42, one P2WPKH input 272, two outputs 124 each) at 2 sat/WU
  const change = 1_000_000n - 300_000n - sent.feeSat;
  assert.deepEqual(a.wallet.balance(), {
    confirmedSat: 0n,
    unconfirmedSat: change,
    lockedSat: 0n,
    immatureSat: 0n,
  });
  assert.equal(env.devnet.getTx(sent.txid)?.confirmed, false);

  env.devnet.mine(1);
  await a.watcher.sync();
  await b.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, change);
  assert.equal(b.wallet.balance().confirmedSat, 300_000n);
  assert.equal(b.wallet.listCoins()[0]!.address, bAddr);
  assert.equal(b.wallet.listCoins()[0]!.confirmations, 1);

  // Spend the change twice in a row: the second payment spends the first's unconfirmed change.
  const s2 = await a.wallet.send(await b.wallet.newAddress(), 200_000n);
  assert.ok(s2.ok);
  const s3 = await a.wallet.send(await b.wallet.newAddress(), 100_000n);
  assert.ok(s3.ok, s3.ok ? '' : s3.message);
  const s3Inputs = parseTx(s3.raw).tx.inputs.map((i) => hashToHex(Uint8Array.from(i.txid).reverse()));
  assert.deepEqual(s3Inputs, [hashToHex(s2.txid)]);
  env.devnet.mine(1);
  await a.watcher.sync();
  await b.watcher.sync();
  assert.equal(b.wallet.balance().confirmedSat, 600_000n);
  assert.equal(a.wallet.balance().confirmedSat, change - 300_000n - s2.feeSat - s3.feeSat);
  assert.equal(a.wallet.balance().unconfirmedSat, 0n);

  // B spends what it received back to A.
  const back = await b.wallet.send(await a.wallet.newAddress(), 550_000n);
  assert.ok(back.ok);
  env.devnet.mine(1);
  await a.watcher.sync();
  await b.watcher.sync();
  assert.equal(b.wallet.balance().confirmedSat, 600_000n - 550_000n - back.feeSat);
});

test('typed failures: bad address, dust, insufficient funds', async () => {
  const env = newEnv();
  const a = await openWallet(env, seedFor(3));
  env.devnet.faucet(await a.wallet.newAddress(), 50_000n);
  await a.watcher.sync();
  const bad = await a.wallet.send('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 1_000n); // a mainnet address
  assert.ok(!bad.ok);
  assert.equal(bad.code, 'invalid_address');
  const addr = await a.wallet.newAddress();
  const dust = await a.wallet.send(addr, 100n);
  assert.ok(!dust.ok);
  assert.equal(dust.code, 'dust_output');
  const poor = await a.wallet.send(addr, 60_000n);
  assert.ok(!poor.ok);
  assert.equal(poor.code, 'insufficient_funds');
  assert.match(poor.message, /spendable/);
  assert.equal(a.wallet.balance().lockedSat, 0n);
});

test('survives reorgs: a payment reorged out stops counting, a re-mined one counts again, own spends stay spent', async () => {
  const env = newEnv();
  const a = await openWallet(env, seedFor(4));
  const addr = await a.wallet.newAddress();
  env.devnet.faucet(addr, 400_000n);
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, 400_000n);

  // Reorged out and dropped (double-spent away): no longer confirmed, not spendable.
  env.devnet.reorg(1, { dropTxs: true });
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, 0n);
  assert.equal(a.wallet.balance().unconfirmedSat, 400_000n);
  const cannot = await a.wallet.send(addr, 100_000n);
  assert.ok(!cannot.ok);
  assert.equal(cannot.code, 'insufficient_funds');

  // Paid again, and this time the reorg re-mines the payment at a new height.
  env.devnet.faucet(addr, 250_000n);
  env.devnet.mine(2);
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, 250_000n);
  env.devnet.reorg(3, { mineTxs: true, newBlocks: 4 });
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, 250_000n);
  assert.equal(a.wallet.listCoins().find((c) => c.valueSat === 250_000n)!.confirmations, 4);

  // Our own payment reorged back into the mempool: its input stays spent, its change unconfirmed.
  const sent = await a.wallet.send(addr, 100_000n);
  assert.ok(sent.ok);
  env.devnet.mine(1);
  await a.watcher.sync();
  const afterSend = a.wallet.balance().confirmedSat;
  assert.equal(afterSend, 250_000n - sent.feeSat);
  env.devnet.reorg(1);
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, 0n);
  assert.equal(a.wallet.balance().unconfirmedSat, 400_000n + 250_000n - sent.feeSat);
  env.devnet.mine(1);
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, afterSend);
});

test('restore from seed: a fresh wallet with the same words finds the same coins, beyond the first gap window', async () => {
  const env = newEnv();
  const seed = seedFor(5);
  const a = await openWallet(env, seed, { gapLimit: 5 });
  const other = await openWallet(env, seedFor(6));
  // Receive at indexes 0, 4 and 8 (each within 5 of the last used), and make change.
  const addrs: string[] = [];
  for (let i = 0; i < 9; i++) addrs.push(await a.wallet.newAddress());
  env.devnet.faucet(addrs[0]!, 100_000n);
  env.devnet.faucet(addrs[4]!, 200_000n);
  env.devnet.faucet(addrs[8]!, 300_000n);
  await a.watcher.sync();
  const sent = await a.wallet.send(await other.wallet.newAddress(), 250_000n);
  assert.ok(sent.ok);
  env.devnet.mine(2);
  await a.watcher.sync();
  const expected = a.wallet.balance();
  assert.equal(expected.confirmedSat, 600_000n - 250_000n - sent.feeSat);

  const restored = await openWallet(env, seed, { gapLimit: 5, birthdayHeight: 0 });
  assert.deepEqual(restored.wallet.balance(), expected);
  assert.deepEqual(keysOf(restored.wallet.listCoins()), keysOf(a.wallet.listCoins()));
  // With a smaller gap the window never reaches index 8 (nor 4): those coins stay unknown.
  const narrow = await openWallet(env, seed, { gapLimit: 3 });
  assert.equal(
    narrow.wallet.listCoins().some((c) => c.valueSat === 200_000n),
    false,
  );
  assert.equal(narrow.wallet.balance().confirmedSat, expected.confirmedSat - 200_000n);
  // It continues with fresh addresses after the used ones.
  assert.equal(await restored.wallet.newAddress(), await a.wallet.newAddress());
});

test('the state is stored: reopening on a new watcher resumes without a full rescan', async () => {
  const env = newEnv();
  const seed = seedFor(7);
  const a = await openWallet(env, seed);
  env.devnet.faucet(await a.wallet.newAddress(), 123_000n);
  await a.watcher.sync();
  await a.wallet.flush();
  a.wallet.close();
  env.devnet.mine(20);
  const b = await openWallet(env, seed, { store: a.store });
  assert.equal(b.wallet.balance().confirmedSat, 123_000n);
  assert.equal(b.wallet.listCoins()[0]!.confirmations, 21);
  // A new address continues from the stored index: 0 was handed out, so 1 comes next.
  const index1 = scriptToAddress(new KeyManager(seed, 'regtest').walletKey(0, 1).script, 'regtest');
  assert.equal(await b.wallet.newAddress(), index1);
});
