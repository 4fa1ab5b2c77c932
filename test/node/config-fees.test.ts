// test/node/config-fees.test.ts: the dust exposure settings (LDK's fee-rate multiplier by
// default, or a fixed cap) from the file, KSNODE_* variables and flags.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, FLAT_SETTINGS, loadConfig } from '../../src/node/config.js';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-config-fees-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the dust exposure cap defaults to LDK's 10,000 msat per sat/kw", () => {
  withDir((dir) => {
    const c = loadConfig({ flags: { 'data-dir': dir }, env: {} });
    assert.deepEqual(c.channels.maxDustExposure, { kind: 'feerateMultiplier', multiplier: 10_000 });
    assert.ok(FLAT_SETTINGS['max-dust-exposure-multiplier'] !== undefined);
    assert.ok(FLAT_SETTINGS['max-dust-exposure-msat'] !== undefined);
  });
});

test('a multiplier or a fixed cap, from any layer; a fixed cap wins over the multiplier', () => {
  withDir((dir) => {
    const env = { KSNODE_MAX_DUST_EXPOSURE_MULTIPLIER: '20000' };
    assert.deepEqual(loadConfig({ flags: { 'data-dir': dir }, env }).channels.maxDustExposure, {
      kind: 'feerateMultiplier',
      multiplier: 20_000,
    });
    const flags = { 'data-dir': dir, 'max-dust-exposure-msat': '7500000' };
    assert.deepEqual(loadConfig({ flags, env }).channels.maxDustExposure, {
      kind: 'fixed',
      msat: 7_500_000n,
    });
    writeFileSync(join(dir, 'ksnode.json'), JSON.stringify({ channels: { maxDustExposureMsat: '123000' } }));
    assert.deepEqual(loadConfig({ flags: { 'data-dir': dir }, env: {} }).channels.maxDustExposure, {
      kind: 'fixed',
      msat: 123_000n,
    });
  });
});

test('a multiplier of 0 or a malformed amount is refused with the setting named', () => {
  withDir((dir) => {
    assert.throws(
      () => loadConfig({ flags: { 'data-dir': dir, 'max-dust-exposure-multiplier': '0' }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /maxDustExposureMultiplier/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ flags: { 'data-dir': dir, 'max-dust-exposure-msat': '5k' }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /--max-dust-exposure-msat/.test(e.message),
    );
  });
});
