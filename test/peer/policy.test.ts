// The small pure decisions of the peer layer: rate policing, redial backoff, which of two
// connections to keep, remote_addr, error text, message groups.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  errorData,
  keepNewConnection,
  messageGroup,
  printableErrorText,
  RatePolicer,
  remoteAddrFor,
} from '../../src/peer/index.js';
import { key } from './helpers.js';

test('RatePolicer: burst, one warning per episode, over past the grace, refill', () => {
  const p = new RatePolicer({ burst: 3, perSecond: 2, grace: 2 }, 0);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => p.admit(1, 0)),
    ['ok', 'ok', 'ok', 'warn', 'ok', 'over'],
  );
  // -3 tokens; 2 per second: back to the full burst after 3 s, never beyond it.
  assert.equal(p.level(1_000), -1);
  assert.equal(p.level(10_000), 3);
  // The warning re-arms once the bucket refilled above zero.
  assert.deepEqual(
    [1, 2, 3, 4].map(() => p.admit(1, 10_000)),
    ['ok', 'ok', 'ok', 'warn'],
  );
});

test('RatePolicer: a clock stepping back neither mints tokens nor punishes', () => {
  const p = new RatePolicer({ burst: 2, perSecond: 1, grace: 0 }, 5_000);
  assert.equal(p.admit(2, 5_000), 'ok');
  assert.equal(p.level(1_000), 0);
  assert.equal(p.level(6_000), 1);
});

test('RatePolicer: fractional costs', () => {
  const p = new RatePolicer({ burst: 1, perSecond: 0, grace: 0 }, 0);
  for (let i = 0; i < 10; i++) assert.equal(p.admit(0.1, 0), 'ok');
  assert.equal(p.admit(0.1, 0), 'over');
});

test('backoffDelay: doubles from the initial delay, capped, jitter within bounds', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a, policy, 0.7)),
    [100, 200, 400, 800, 1000, 1000, 1000],
  );
  const jittered = { ...policy, jitter: 0.5 };
  assert.equal(backoffDelay(1, jittered, 0), 100);
  assert.equal(backoffDelay(1, jittered, 0.5), 150);
  assert.equal(backoffDelay(1, jittered, 0.999999), 200);
  assert.equal(DEFAULT_BACKOFF.initialDelayMs, 1_000);
});

test('property: backoff never exceeds the cap, never shrinks below (1 - jitter) of the base', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (attempt, random, jitter) => {
        const policy = { initialDelayMs: 250, maxDelayMs: 60_000, multiplier: 2, jitter };
        const d = backoffDelay(attempt, policy, random);
        const base = Math.min(60_000, 250 * 2 ** attempt);
        assert.ok(d <= base + 0.5 && d >= base * (1 - jitter) - 0.5, `${d} for base ${base}`);
      },
    ),
    { numRuns: 300 },
  );
});

test('keepNewConnection: the newer wins, except in a race', () => {
  const a = key(1).id;
  const b = key(2).id;
  const old = { direction: 'outbound' as const, establishedAt: 0 };
  // Long after: the old one is stale (the peer restarted).
  assert.equal(keepNewConnection(old, { direction: 'inbound', establishedAt: 10_000 }, a, b, 5_000), true);
  // Same direction: always the newer.
  assert.equal(keepNewConnection(old, { direction: 'outbound', establishedAt: 1 }, a, b, 5_000), true);
});

test('property: in a race both sides keep the same connection, whatever order each saw', () => {
  const ids = fc.integer({ min: 1, max: 200 }).map((n) => key(n).id);
  /** Which connection a node keeps: X (dialled by x) or Y (dialled by y). */
  const kept = (self: Uint8Array, other: Uint8Array, selfIsX: boolean, firstIsX: boolean): 'X' | 'Y' => {
    const direction = (c: 'X' | 'Y') =>
      (c === 'X') === selfIsX ? ('outbound' as const) : ('inbound' as const);
    const first = firstIsX ? 'X' : 'Y';
    const second = firstIsX ? 'Y' : 'X';
    const keepNew = keepNewConnection(
      { direction: direction(first), establishedAt: 0 },
      { direction: direction(second), establishedAt: 10 },
      self,
      other,
      1_000,
    );
    return keepNew ? second : first;
  };
  fc.assert(
    fc.property(ids, ids, fc.boolean(), fc.boolean(), (x, y, xSawXFirst, ySawXFirst) => {
      fc.pre(Buffer.compare(x, y) !== 0);
      assert.equal(kept(x, y, true, xSawXFirst), kept(y, x, false, ySawXFirst));
    }),
    { numRuns: 200 },
  );
});

test('remoteAddrFor: public IPv4/IPv6 (and v4-mapped) only', () => {
  assert.deepEqual(remoteAddrFor('203.0.114.7', 9735), {
    type: 'ipv4',
    addr: Uint8Array.of(203, 0, 114, 7),
    port: 9735,
  });
  assert.deepEqual(remoteAddrFor('::ffff:8.8.4.4', 1), {
    type: 'ipv4',
    addr: Uint8Array.of(8, 8, 4, 4),
    port: 1,
  });
  const v6 = remoteAddrFor('2a01:4f8::1', 9735);
  assert.equal(v6?.type, 'ipv6');
  assert.deepEqual(v6?.type === 'ipv6' ? [...v6.addr] : [], [
    0x2a,
    0x01,
    0x04,
    0xf8,
    ...new Array(11).fill(0),
    1,
  ]);
  for (const host of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.1.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1%eth0',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    'example.com',
  ]) {
    assert.equal(remoteAddrFor(host, 9735), undefined, host);
  }
  assert.equal(remoteAddrFor('8.8.8.8', 0), undefined, 'no port');
});

test('error text: printable ASCII verbatim, anything else as hex; sending side replaces non-ASCII', () => {
  assert.equal(printableErrorText(new TextEncoder().encode('channel closed ~')), 'channel closed ~');
  assert.equal(printableErrorText(Uint8Array.of(0x41, 0x7f)), 'hex:417f');
  assert.equal(printableErrorText(Uint8Array.of(0x41, 0x1f)), 'hex:411f');
  assert.equal(printableErrorText(new Uint8Array(0)), '');
  assert.deepEqual(errorData('ok é\n'), Uint8Array.of(0x6f, 0x6b, 0x20, 0x3f, 0x3f));
});

test('messageGroup: BOLT 1 ranges', () => {
  assert.deepEqual([0, 31, 32, 127, 128, 255, 256, 511, 512, 32767, 32768, 65535].map(messageGroup), [
    'setup',
    'setup',
    'channel',
    'channel',
    'commitment',
    'commitment',
    'routing',
    'routing',
    'unassigned',
    'unassigned',
    'custom',
    'custom',
  ]);
});
