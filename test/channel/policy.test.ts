// Our defaults must be acceptable to LDK, lnd, Core Lightning and eclair (see
// ../shared/notes/ldk-0.1-interop.md), and our bounds must implement BOLT 2's MUSTs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_POLICY,
  isValidShutdownScript,
  MAX_ACCEPTED_HTLCS_LIMIT,
  MIN_DUST_LIMIT_SAT,
  maxInFlightFor,
  reserveFor,
} from '../../src/channel/index.js';

test('defaults sit inside what LDK 0.1 accepts', () => {
  const p = DEFAULT_POLICY;
  assert.ok(p.dustLimitSat >= 354n && p.dustLimitSat <= 546n, 'dust limit in [354, 546]');
  assert.ok(p.toSelfDelay <= 2016, 'to_self_delay <= 2016');
  assert.ok(p.maxAcceptedHtlcs >= 1 && p.maxAcceptedHtlcs <= 483);
  assert.ok(p.minimumDepth <= 144, 'minimum_depth <= 144');
  assert.equal(p.minFeeratePerKw, 253);
  assert.ok(p.htlcMinimumMsat >= 1n);
  // The reserve LDK requires: max(1%, 1000 sat); ours is the same rule.
  assert.equal(reserveFor(20_000n, p), 1_000n);
  assert.equal(reserveFor(1_000_000n, p), 10_000n);
  assert.equal(reserveFor(500n, p), 500n, 'never more than the channel');
  assert.ok(reserveFor(20_000n, p) >= p.dustLimitSat, 'our reserve covers any dust limit we accept');
  assert.equal(maxInFlightFor(1_000_000n, p), 1_000_000_000n);
});

test('our acceptance bounds include the MUST-fail limits of BOLT 2', () => {
  assert.equal(MIN_DUST_LIMIT_SAT, 354n);
  assert.equal(MAX_ACCEPTED_HTLCS_LIMIT, 483);
  assert.ok(DEFAULT_POLICY.maxRemoteDustLimitSat >= 546n, 'accept the 546 sat that CLN and eclair send');
  assert.ok(DEFAULT_POLICY.maxRemoteToSelfDelay >= 144 * 7, 'accept lnd and CLN defaults');
  assert.ok(DEFAULT_POLICY.minRemoteMaxAcceptedHtlcs <= 30, 'accept eclair 30 and LDK 50');
  assert.ok(DEFAULT_POLICY.minRemoteMaxHtlcValueInFlightPercent <= 10, 'accept LDK 10%');
});

test('shutdown script forms', () => {
  const p2wpkh = Uint8Array.of(0x00, 20, ...new Uint8Array(20));
  const p2wsh = Uint8Array.of(0x00, 32, ...new Uint8Array(32));
  const p2tr = Uint8Array.of(0x51, 32, ...new Uint8Array(32));
  const p2pkh = Uint8Array.of(0x76, 0xa9, 20, ...new Uint8Array(20), 0x88, 0xac);
  assert.equal(isValidShutdownScript(p2wpkh, false), true);
  assert.equal(isValidShutdownScript(p2wsh, false), true);
  assert.equal(isValidShutdownScript(p2tr, false), false, 'segwit v1 needs option_shutdown_anysegwit');
  assert.equal(isValidShutdownScript(p2tr, true), true);
  assert.equal(
    isValidShutdownScript(Uint8Array.of(0x60, 41, ...new Uint8Array(41)), true),
    false,
    '41 bytes is too long',
  );
  assert.equal(isValidShutdownScript(Uint8Array.of(0x51, 1, 0), true), false, 'one byte is too short');
  assert.equal(isValidShutdownScript(p2pkh, true), false);
  assert.equal(isValidShutdownScript(Uint8Array.of(0x00, 20, 1), false), false, 'truncated');
});
