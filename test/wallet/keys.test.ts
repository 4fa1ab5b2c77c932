import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HDKey } from '@scure/bip32';
import { scriptToAddress } from '../../src/chain/index.js';
import { bytesToHex, publicKeyCreate } from '../../src/crypto/index.js';
import { KeyManager, seedFromMnemonic } from '../../src/wallet/index.js';

const bip84 = JSON.parse(readFileSync(new URL('../fixtures/wallet/bip84.json', import.meta.url), 'utf8')) as {
  mnemonic: string;
  keys: { branch: 0 | 1; index: number; path: string; pubkey: string; address: string }[];
};

test('BIP 84 test vectors: receive and change keys and addresses', () => {
  const km = new KeyManager(seedFromMnemonic(bip84.mnemonic), 'bitcoin');
  for (const v of bip84.keys) {
    const k = km.walletKey(v.branch, v.index);
    assert.equal(k.path, v.path);
    assert.equal(bytesToHex(k.publicKey), v.pubkey);
    assert.equal(scriptToAddress(k.script, 'bitcoin'), v.address);
    assert.deepEqual(publicKeyCreate(k.privateKey), k.publicKey);
  }
});

test('non-mainnet networks use coin type 1 and regtest addresses', () => {
  const km = new KeyManager(seedFromMnemonic(bip84.mnemonic), 'regtest');
  const k = km.walletKey(0, 0);
  assert.equal(k.path, "m/84'/1'/0'/0/0");
  assert.match(scriptToAddress(k.script, 'regtest')!, /^bcrt1q/);
  assert.notEqual(bytesToHex(k.publicKey), bip84.keys[0]!.pubkey);
});

test("the node key is m/1017'/coin'/6'/0/0 and channel seeds are hardened m/1017'/coin'/1000'/i'", () => {
  const seed = seedFromMnemonic(bip84.mnemonic);
  const km = new KeyManager(seed, 'bitcoin');
  const root = HDKey.fromMasterSeed(seed);
  assert.deepEqual(km.nodePrivateKey(), root.derive("m/1017'/0'/6'/0/0").privateKey);
  assert.deepEqual(km.nodePublicKey(), publicKeyCreate(km.nodePrivateKey()));
  assert.deepEqual(km.channelSeed(7), root.derive("m/1017'/0'/1000'/7'").privateKey);
  assert.equal(km.channelSeed(0).length, 32);
  assert.notDeepEqual(km.channelSeed(0), km.channelSeed(1));
  assert.deepEqual(new KeyManager(seed, 'bitcoin').channelSeed(3), km.channelSeed(3));
  assert.notDeepEqual(new KeyManager(seed, 'regtest').nodePrivateKey(), km.nodePrivateKey());
  assert.throws(() => km.channelSeed(-1), RangeError);
  assert.throws(() => km.channelSeed(2 ** 31), RangeError);
});
