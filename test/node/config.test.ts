// test/node/config.test.ts: configuration layering (file < env < flags), defaults and errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { regtestGenesisBlock } from '../../src/chain/devnet/index.js';
import { headerHash } from '../../src/chain/index.js';
import { bytesToHex } from '../../src/crypto/index.js';
import { chainHashOf } from '../../src/node/chain-hash.js';
import { ConfigError, envName, loadConfig } from '../../src/node/config.js';
import { nodeAnnouncementFeatures } from '../../src/node/index.js';
import { FEATURES } from '../../src/wire/index.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ksnode-config-'));
}

test('defaults suit a devnet', () => {
  const home = tempDir();
  try {
    const c = loadConfig({ home, env: {}, flags: {} });
    assert.equal(c.dataDir, join(home, '.ksnode'));
    assert.equal(c.network, 'regtest');
    assert.deepEqual(c.chain, { kind: 'esplora', url: 'http://127.0.0.1:3002', pollIntervalMs: 5000 });
    assert.deepEqual(c.store, { kind: 'sqlite', dir: join(home, '.ksnode'), fileName: 'ksnode.sqlite' });
    assert.deepEqual(c.listen, { host: '0.0.0.0', port: 9735 });
    assert.deepEqual(c.api, { host: '127.0.0.1', port: 8080 });
    assert.equal(c.fees.baseMsat, 1000n);
    assert.equal(c.fees.proportionalMillionths, 1);
    assert.equal(c.fees.cltvExpiryDelta, 80);
    assert.equal(c.acceptKeysend, true);
    assert.equal(c.channels.minimumDepth, 3);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.seedPassphrase, undefined);
    assert.deepEqual(c.keysendRateLimit, { burst: 1000, perSecond: 200 });
    assert.deepEqual(c.apiRateLimit, { burst: 1000, perSecond: 200 });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the file, then KSNODE_* variables, then flags: later layers win', () => {
  const dir = tempDir();
  try {
    writeFileSync(
      join(dir, 'ksnode.json'),
      JSON.stringify({
        alias: 'from-file',
        color: '#ABCDEF',
        fees: { baseMsat: '2000', proportionalMillionths: 10 },
        listen: '127.0.0.1:9000',
        acceptKeysend: false,
      }),
    );
    const c = loadConfig({
      flags: { 'data-dir': dir, 'fee-ppm': '30', listen: 'none', 'accept-keysend': true },
      env: { KSNODE_ALIAS: 'from-env', KSNODE_FEE_PPM: '20', KSNODE_STORE: 'postgres://u:p@127.0.0.1/db' },
    });
    assert.equal(c.dataDir, dir);
    assert.equal(c.alias, 'from-env');
    assert.equal(c.color, '#abcdef');
    assert.equal(c.fees.baseMsat, 2000n);
    assert.equal(c.fees.proportionalMillionths, 30);
    assert.equal(c.listen, null);
    assert.equal(c.acceptKeysend, true);
    assert.deepEqual(c.store, { kind: 'postgres', url: 'postgres://u:p@127.0.0.1/db' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the incoming keysend rate limit is a setting', () => {
  const dir = tempDir();
  try {
    const c = loadConfig({
      flags: { 'data-dir': dir, 'keysend-burst': '5' },
      env: { KSNODE_KEYSEND_RATE: '2' },
    });
    assert.deepEqual(c.keysendRateLimit, { burst: 5, perSecond: 2 });
    assert.throws(() => loadConfig({ flags: { 'data-dir': dir, 'keysend-rate': '0' }, env: {} }), /keysend/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('channel-type: static_remotekey by default; anchors from the file, KSNODE_CHANNEL_TYPE or the flag', () => {
  const dir = tempDir();
  try {
    assert.equal(
      loadConfig({ flags: { 'data-dir': dir }, env: {} }).channels.channelType,
      'static_remotekey',
    );
    assert.equal(
      loadConfig({ flags: { 'data-dir': dir, 'channel-type': 'anchors' }, env: {} }).channels.channelType,
      'anchors',
    );
    assert.equal(
      loadConfig({ flags: { 'data-dir': dir }, env: { KSNODE_CHANNEL_TYPE: 'anchors' } }).channels
        .channelType,
      'anchors',
    );
    writeFileSync(join(dir, 'ksnode.json'), JSON.stringify({ channels: { channelType: 'anchors' } }));
    const fromFile = loadConfig({ flags: { 'data-dir': dir }, env: {} });
    assert.equal(fromFile.channels.channelType, 'anchors');
    assert.equal(fromFile.channels.minimumDepth, 3);
    const flagWins = loadConfig({ flags: { 'data-dir': dir, 'channel-type': 'static_remotekey' }, env: {} });
    assert.equal(flagWins.channels.channelType, 'static_remotekey');
    assert.throws(
      () => loadConfig({ flags: { 'data-dir': dir, 'channel-type': 'legacy' }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /channelType/.test(e.message) && /anchors/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a relative SQLite path resolves against cwd; api none disables the API', () => {
  const c = loadConfig({
    home: '/nonexistent-home',
    cwd: '/tmp/x',
    flags: { store: 'db/node.sqlite', api: 'none' },
  });
  assert.deepEqual(c.store, { kind: 'sqlite', dir: '/tmp/x/db', fileName: 'node.sqlite' });
  assert.equal(c.api, null);
});

test("PostgreSQL: a URL and a schema of the node's own", () => {
  const home = '/nonexistent-home';
  const c = loadConfig({ home, flags: { store: 'postgresql://k:p@127.0.0.1/db', 'store-schema': 'node_a' } });
  assert.deepEqual(c.store, { kind: 'postgres', url: 'postgresql://k:p@127.0.0.1/db', schema: 'node_a' });
  assert.throws(
    () => loadConfig({ home, flags: { 'store-schema': 'node_a' } }),
    /store-schema is for PostgreSQL/,
  );
  assert.throws(
    () => loadConfig({ home, flags: { store: 'postgres://h/db', 'store-schema': 'Node-A' } }),
    /storeSchema: expected a lower-case SQL identifier/,
  );
});

test('bad values are reported with their source and what is expected', () => {
  const home = '/nonexistent-home';
  const err = (sources: Parameters<typeof loadConfig>[0]): string => {
    try {
      loadConfig(sources);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.message;
    }
    assert.fail('expected a ConfigError');
  };
  assert.match(
    err({ home, flags: { 'fee-ppm': 'lots' } }),
    /--fee-ppm: expected a non-negative integer, got "lots"/,
  );
  assert.match(
    err({ home, env: { KSNODE_ACCEPT_KEYSEND: 'maybe' } }),
    /KSNODE_ACCEPT_KEYSEND: expected true or false/,
  );
  assert.match(err({ home, flags: { listen: 'localhost' } }), /listen: expected host:port/);
  assert.match(err({ home, flags: { network: 'litecoin' } }), /network:/);
  assert.match(err({ home, flags: { network: 'bitcoin' } }), /chain-url is required for esplora on bitcoin/);
  assert.match(err({ home, flags: { color: 'red' } }), /color: expected #rrggbb/);
  assert.match(err({ home, flags: { alias: 'x'.repeat(33) } }), /alias: at most 32 bytes/);
  assert.match(err({ home, flags: { config: '/nonexistent/ksnode.json' } }), /does not exist/);
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'ksnode.json'), JSON.stringify({ fees: { base: 1 } }));
    assert.match(err({ flags: { 'data-dir': dir } }), /config file .*ksnode\.json:\n {2}fees: /);
    writeFileSync(join(dir, 'ksnode.json'), '{not json');
    assert.match(err({ flags: { 'data-dir': dir } }), /is not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('environment names and the regtest chain hash', () => {
  assert.equal(envName('chain-url'), 'KSNODE_CHAIN_URL');
  // BOLT 0: chain_hash is the genesis block hash (internal byte order); the devnet is regtest's chain.
  const genesisHash = headerHash(regtestGenesisBlock().subarray(0, 80));
  assert.equal(bytesToHex(chainHashOf('regtest')), bytesToHex(genesisHash));
});

test('keysend bit 55 is announced only while the node accepts keysend (bLIP 3)', () => {
  const on = nodeAnnouncementFeatures(true);
  assert.equal(on.offers(FEATURES.keysend), true);
  const off = nodeAnnouncementFeatures(false);
  assert.equal(off.has(54) || off.has(55), false);
  assert.equal(off.has(FEATURES.varOnionOptin.required) || off.has(FEATURES.varOnionOptin.optional), true);
});
