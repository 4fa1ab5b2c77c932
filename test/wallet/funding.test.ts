// Channel fundings (built, locked, broadcast later) and sweeps of outputs the wallet does not own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToHex, p2wshScript, parseTx } from '../../src/chain/index.js';
import { concatBytes, equalBytes, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import type { ExternalInput } from '../../src/wallet/index.js';
import { newEnv, openWallet, seedFor } from './helpers.js';

const priv = (n: number) => sha256(new Uint8Array([n, 7, 7]));

/** 2-of-2 multisig, the shape of a BOLT 3 funding script. */
function fundingScript(): Uint8Array {
  const [a, b] = [publicKeyCreate(priv(1)), publicKeyCreate(priv(2))];
  return concatBytes(new Uint8Array([0x52, 33]), a, new Uint8Array([33]), b, new Uint8Array([0x52, 0xae]));
}

test('a funding output is built and locked but not broadcast; concurrent fundings never share a coin', async () => {
  const env = newEnv();
  const a = await openWallet(env, seedFor(11));
  env.devnet.faucet(await a.wallet.newAddress(), 600_000n, { mine: false });
  env.devnet.faucet(await a.wallet.newAddress(), 700_000n);
  await a.watcher.sync();
  const script = p2wshScript(sha256(fundingScript()));

  const [f1, f2] = await Promise.all([
    a.wallet.fundOutput(script, 500_000n, { feeRateSatPerKw: 1000n }),
    a.wallet.fundOutput(script, 500_000n, { feeRateSatPerKw: 1000n }),
  ]);
  assert.ok(f1.ok && f2.ok);
  const in1 = parseTx(f1.raw).tx.inputs.map(
    (i) => `${hashToHex(Uint8Array.from(i.txid).reverse())}:${i.index}`,
  );
  const in2 = parseTx(f2.raw).tx.inputs.map(
    (i) => `${hashToHex(Uint8Array.from(i.txid).reverse())}:${i.index}`,
  );
  assert.equal(
    in1.some((x) => in2.includes(x)),
    false,
  );
  // Each funding output is where the wallet says, with the right script and amount.
  for (const f of [f1, f2]) {
    const out = parseTx(f.raw).tx.outputs[f.outputIndex]!;
    assert.ok(equalBytes(out.script, script));
    assert.equal(out.amount, 500_000n);
    assert.equal(env.devnet.getTx(f.txid), undefined); // not broadcast
  }
  assert.equal(a.wallet.balance().lockedSat, 1_300_000n);
  assert.equal(a.wallet.balance().confirmedSat, 0n);
  // A third funding finds nothing to spend.
  const f3 = await a.wallet.fundOutput(script, 100_000n);
  assert.ok(!f3.ok);
  assert.equal(f3.code, 'insufficient_funds');

  // Broadcast one, abandon the other.
  const r = await a.wallet.broadcast(f1.raw);
  assert.ok(r.ok);
  await a.wallet.releaseLocks(f2.txid);
  env.devnet.mine(1);
  await a.watcher.sync();
  assert.equal(env.devnet.getTx(f1.txid)?.confirmed, true);
  const b = a.wallet.balance();
  assert.equal(b.lockedSat, 0n);
  assert.equal(b.unconfirmedSat, 0n);
  assert.equal(b.confirmedSat, 1_300_000n - 500_000n - f1.feeSat);
});

test('a rejected broadcast is undone: coins unlocked and unspent again', async () => {
  const env = newEnv();
  const a = await openWallet(env, seedFor(12));
  env.devnet.faucet(await a.wallet.newAddress(), 300_000n);
  await a.watcher.sync();
  const f = await a.wallet.fundOutput(p2wshScript(sha256(fundingScript())), 100_000n);
  assert.ok(f.ok);
  // Abandon it, spend the same coin in a payment, then try the funding anyway: a double spend.
  await a.wallet.releaseLocks(f.txid);
  const other = await a.wallet.send(await a.wallet.newAddress(), 100_000n);
  assert.ok(other.ok);
  const r = await a.wallet.broadcast(f.raw);
  assert.ok(!r.ok);
  assert.equal(r.code, 'rejected');
  assert.match(r.reason, /double spend/);
  env.devnet.mine(1);
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, 300_000n - other.feeSat);
  assert.equal(a.wallet.balance().lockedSat, 0n);
});

test('sweep: a CSV-locked P2WSH output (like to_local) is swept into the wallet once the delay has passed', async () => {
  const env = newEnv();
  const a = await openWallet(env, seedFor(13));
  env.devnet.faucet(await a.wallet.newAddress(), 500_000n);
  await a.watcher.sync();
  // <2> OP_CHECKSEQUENCEVERIFY OP_DROP <pubkey> OP_CHECKSIG
  const pub = publicKeyCreate(priv(3));
  const witnessScript = concatBytes(new Uint8Array([0x52, 0xb2, 0x75, 33]), pub, new Uint8Array([0xac]));
  const prevoutScript = p2wshScript(sha256(witnessScript));
  const f = await a.wallet.fundOutput(prevoutScript, 200_000n);
  assert.ok(f.ok);
  assert.ok((await a.wallet.broadcast(f.raw)).ok);
  env.devnet.mine(1);
  await a.watcher.sync();

  const input = (sequence: number): ExternalInput => ({
    kind: 'external',
    outpoint: { txid: f.txid, vout: f.outputIndex },
    valueSat: 200_000n,
    prevoutScript,
    sequence,
    maxWitnessWeight: 1 + 1 + 72 + 1 + witnessScript.length,
    witness: (s) => [s.sign(witnessScript, priv(3)), witnessScript],
  });
  // A sequence below the script's delay fails the script itself.
  const short = await a.wallet.sweep([input(1)], { feeRateSatPerKw: 1000n });
  assert.ok(short.ok);
  const shortResult = await a.wallet.broadcast(short.raw);
  assert.ok(!shortResult.ok);
  assert.match(shortResult.reason, /input 0/);
  // The right sequence, one block too early: BIP 68 holds it.
  const sweep = await a.wallet.sweep([input(2)], { feeRateSatPerKw: 1000n });
  assert.ok(sweep.ok);
  const early = await a.wallet.broadcast(sweep.raw);
  assert.ok(!early.ok);
  assert.match(early.reason, /BIP 68/);
  env.devnet.mine(1);
  const before = a.wallet.balance().confirmedSat;
  const ok = await a.wallet.broadcast(sweep.raw);
  assert.ok(ok.ok, ok.ok ? '' : ok.reason);
  assert.equal(a.wallet.balance().unconfirmedSat, sweep.amountSat);
  env.devnet.mine(1);
  await a.watcher.sync();
  assert.equal(a.wallet.balance().confirmedSat, before + sweep.amountSat);
  assert.equal(sweep.amountSat, 200_000n - sweep.feeSat);
});
