import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  decodeSeedFile,
  encodeSeedFile,
  isValidMnemonic,
  mnemonicFromEntropy,
  openOrCreateSeed,
  restoreSeed,
  seedFromMnemonic,
} from '../../src/wallet/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ksnode-seed-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fast = { scrypt: { N: 1 << 10, r: 8, p: 1 } };
let counter = 0;
const fakeRandom = (n: number) => new Uint8Array(n).fill(++counter);

test('a 24-word mnemonic from 32 bytes of entropy, deterministic and valid', () => {
  const m = mnemonicFromEntropy(new Uint8Array(32).fill(7));
  assert.equal(m.split(' ').length, 24);
  assert.ok(isValidMnemonic(m));
  assert.equal(m, mnemonicFromEntropy(new Uint8Array(32).fill(7)));
  assert.equal(isValidMnemonic(m.replace(/^\w+/, 'zoo')), false);
  assert.throws(() => mnemonicFromEntropy(new Uint8Array(16)), RangeError);
});

test('created once with mode 0600 and the mnemonic shown once; reopening gives the same seed', () => {
  const path = join(dir, 'plain.json');
  const a = openOrCreateSeed(path, { random: fakeRandom });
  assert.ok(a.ok);
  assert.equal(a.created, true);
  assert.ok(a.mnemonic && isValidMnemonic(a.mnemonic));
  assert.deepEqual(a.seed, seedFromMnemonic(a.mnemonic));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const b = openOrCreateSeed(path);
  assert.ok(b.ok);
  assert.equal(b.created, false);
  assert.equal(b.mnemonic, undefined);
  assert.deepEqual(b.seed, a.seed);
  // A loosened mode is tightened on open.
  chmodSync(path, 0o644);
  assert.ok(openOrCreateSeed(path).ok);
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('encrypted at rest: the words are not in the file, and only the passphrase opens it', () => {
  const path = join(dir, 'sealed.json');
  const a = openOrCreateSeed(path, { passphrase: 'correct horse', random: fakeRandom, ...fast });
  assert.ok(a.ok && a.mnemonic);
  const text = readFileSync(path, 'utf8');
  for (const word of a.mnemonic.split(' ')) assert.equal(text.includes(` ${word} `), false);
  const none = openOrCreateSeed(path);
  assert.ok(!none.ok);
  assert.equal(none.code, 'passphrase_required');
  const wrong = openOrCreateSeed(path, { passphrase: 'battery staple' });
  assert.ok(!wrong.ok);
  assert.equal(wrong.code, 'wrong_passphrase');
  const right = openOrCreateSeed(path, { passphrase: 'correct horse' });
  assert.ok(right.ok);
  assert.deepEqual(right.seed, a.seed);
});

test('restore writes a file from the words, refuses bad words and never overwrites', () => {
  const words = mnemonicFromEntropy(new Uint8Array(32).fill(3));
  const path = join(dir, 'restored.json');
  const bad = restoreSeed(path, words.replace(/\w+$/, 'abandon'));
  assert.ok(!bad.ok);
  assert.equal(bad.code, 'invalid_mnemonic');
  const r = restoreSeed(path, ` ${words.toUpperCase()} `, { passphrase: 'pw', random: fakeRandom, ...fast });
  assert.ok(r.ok);
  assert.deepEqual(r.seed, seedFromMnemonic(words));
  const again = restoreSeed(path, words);
  assert.ok(!again.ok);
  assert.equal(again.code, 'exists');
  const opened = openOrCreateSeed(path, { passphrase: 'pw' });
  assert.ok(opened.ok);
  assert.deepEqual(opened.seed, r.seed);
});

test('a damaged seed file is reported, not guessed at', () => {
  const path = join(dir, 'damaged.json');
  writeFileSync(path, '{"format":"ksnode-seed-v1","encryption":"none","mnemonic":"abandon abandon"}', {
    mode: 0o600,
  });
  const r = openOrCreateSeed(path);
  assert.ok(!r.ok);
  assert.equal(r.code, 'corrupt');
  assert.equal(decodeSeedFile('not json').ok, false);
  const sealed = encodeSeedFile(mnemonicFromEntropy(new Uint8Array(32).fill(5)), {
    passphrase: 'x',
    random: fakeRandom,
    ...fast,
  });
  const tampered = sealed.replace(
    /"ciphertext": "(..)/,
    (_, b) => `"ciphertext": "${b === '00' ? '01' : '00'}`,
  );
  const t = decodeSeedFile(tampered, 'x');
  assert.ok(!t.ok);
  assert.equal(t.code, 'wrong_passphrase'); // authentication fails either way
});
