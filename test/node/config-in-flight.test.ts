// test/node/config-in-flight.test.ts: the max_htlc_value_in_flight_msat setting (a percentage of the
// channel, 1..100, default 100) from the file, KSNODE_* variables and flags.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, envName, FLAT_SETTINGS, loadConfig } from '../../src/node/config.js';

const FLAG = 'max-htlc-in-flight-percent';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-config-in-flight-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the in-flight percentage defaults to 100 (the whole channel) and has its flag and help', () => {
  withDir((dir) => {
    assert.equal(
      loadConfig({ flags: { 'data-dir': dir }, env: {} }).channels.maxHtlcValueInFlightPercent,
      100,
    );
  });
  const s = FLAT_SETTINGS[FLAG];
  assert.ok(s !== undefined);
  assert.deepEqual(s.path, ['channels', 'maxHtlcValueInFlightPercent']);
  assert.match(s.help, /1\.\.100/);
  assert.match(s.help, /default 100/);
  assert.equal(envName(FLAG), 'KSNODE_MAX_HTLC_IN_FLIGHT_PERCENT');
});

test('file, then environment, then flag', () => {
  withDir((dir) => {
    const pct = (flags: Record<string, string>, env: Record<string, string>) =>
      loadConfig({ flags: { 'data-dir': dir, ...flags }, env }).channels.maxHtlcValueInFlightPercent;
    writeFileSync(
      join(dir, 'ksnode.json'),
      JSON.stringify({ channels: { maxHtlcValueInFlightPercent: 10 } }),
    );
    assert.equal(pct({}, {}), 10);
    assert.equal(pct({}, { KSNODE_MAX_HTLC_IN_FLIGHT_PERCENT: '25' }), 25);
    assert.equal(pct({ [FLAG]: '1' }, { KSNODE_MAX_HTLC_IN_FLIGHT_PERCENT: '25' }), 1);
  });
});

test('0, above 100 and a fraction are refused with the setting named', () => {
  withDir((dir) => {
    for (const bad of ['0', '101']) {
      assert.throws(
        () => loadConfig({ flags: { 'data-dir': dir, [FLAG]: bad }, env: {} }),
        (e: unknown) => e instanceof ConfigError && /channels\.maxHtlcValueInFlightPercent/.test(e.message),
        bad,
      );
    }
    assert.throws(
      () => loadConfig({ flags: { 'data-dir': dir, [FLAG]: '12.5' }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /--max-htlc-in-flight-percent/.test(e.message),
    );
    writeFileSync(
      join(dir, 'ksnode.json'),
      JSON.stringify({ channels: { maxHtlcValueInFlightPercent: 12.5 } }),
    );
    assert.throws(
      () => loadConfig({ flags: { 'data-dir': dir }, env: {} }),
      (e: unknown) => e instanceof ConfigError && /maxHtlcValueInFlightPercent/.test(e.message),
    );
  });
});
