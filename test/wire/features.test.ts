// BOLT 9 feature bits: the catalogue against the spec tables, the byte encoding, and the checks
// BOLT 1 asks of a received vector (unknown even bits, dependencies, negotiation).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import {
  ALL_FEATURES,
  FEATURES,
  Features,
  featureByBit,
  featureByName,
  initFeatures,
  isNegotiated,
  MAX_FEATURE_BIT,
  misplacedFeatures,
  missingDependencies,
  unknownRequiredFeatures,
} from '../../src/wire/index.js';

interface Row {
  bits: [number, number];
  name: string;
  description: string;
  context: string;
  dependencies: string[];
}

/** The rows of a feature table (`| 0/1 | `name` | description | context | dependencies | link |`). */
function tableRows(path: string): Row[] {
  const text = readFileSync(new URL(`../../../shared/specs/${path}`, import.meta.url), 'utf8');
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const bits = /^(\d+)\/(\d+)$/.exec(cells[1] ?? '');
    if (bits === null) continue;
    rows.push({
      bits: [Number(bits[1]), Number(bits[2])],
      name: (cells[2] ?? '').replace(/`/g, ''),
      description: cells[3] ?? '',
      context: cells[4] ?? '',
      dependencies: [...(cells[5] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ''),
    });
  }
  return rows;
}

function checkRow(r: Row, source: 'BOLT 9' | 'bLIP 2'): void {
  const f = featureByName(r.name);
  assert.ok(f !== undefined, `${r.name} is missing from FEATURES`);
  assert.deepEqual([f.required, f.optional], r.bits, r.name);
  assert.equal(f.contexts.join(''), r.context, `${r.name} context`);
  assert.deepEqual(f.dependencies, r.dependencies, `${r.name} dependencies`);
  assert.equal(f.status, r.description === 'ASSUMED' ? 'assumed' : 'active', `${r.name} status`);
  assert.equal(f.source, source);
  for (const d of f.dependencies)
    assert.ok(featureByName(d) !== undefined, `${r.name} depends on unknown ${d}`);
}

test('the catalogue matches the BOLT 9 table row for row', () => {
  const rows = tableRows('bolts/09-features.md');
  assert.equal(rows.length, 23);
  for (const r of rows) checkRow(r, 'BOLT 9');
  const inTable = new Set(rows.map((r) => r.name));
  const extra = ALL_FEATURES.filter((f) => f.source === 'BOLT 9' && !inTable.has(f.name)).map((f) => f.name);
  assert.deepEqual(extra, ['initial_routing_sync'], 'only the legacy feature is not in the table');
  assert.equal(FEATURES.initialRoutingSync.status, 'legacy');
});

test('the keysend bits match the bLIP 2 table', () => {
  const row = tableRows('blips/blip-0002.md').find((r) => r.name === 'keysend');
  assert.ok(row !== undefined);
  checkRow(row, 'bLIP 2');
  assert.deepEqual([FEATURES.keysend.required, FEATURES.keysend.optional], [54, 55]);
});

test('the requested named constants carry the expected bits', () => {
  const expected: [keyof typeof FEATURES, number][] = [
    ['optionDataLossProtect', 0],
    ['initialRoutingSync', 2],
    ['optionUpfrontShutdownScript', 4],
    ['gossipQueries', 6],
    ['varOnionOptin', 8],
    ['gossipQueriesEx', 10],
    ['optionStaticRemotekey', 12],
    ['paymentSecret', 14],
    ['basicMpp', 16],
    ['optionSupportLargeChannel', 18],
    ['optionAnchors', 22],
    ['optionRouteBlinding', 24],
    ['optionShutdownAnysegwit', 26],
    ['optionDualFund', 28],
    ['optionQuiesce', 34],
    ['optionOnionMessages', 38],
    ['optionChannelType', 44],
    ['optionScidAlias', 46],
    ['optionPaymentMetadata', 48],
    ['optionZeroconf', 50],
    ['keysend', 54],
    ['optionSimpleClose', 60],
  ];
  for (const [k, bit] of expected) assert.equal(FEATURES[k].required, bit, k);
  assert.equal(featureByBit(55), FEATURES.keysend);
  assert.equal(featureByBit(54), FEATURES.keysend);
  assert.equal(featureByBit(3), FEATURES.initialRoutingSync);
  assert.equal(featureByBit(20), undefined);
});

test('bytes: big-endian, bit 0 is the last byte, minimal on encode, leading zeros accepted on decode', () => {
  const f = Features.fromBits([0, 9, 15]);
  assert.equal(bytesToHex(f.toBytes()), '8201');
  assert.deepEqual(Features.fromBytes(hexToBytes('00008201')).toBits(), [0, 9, 15]);
  assert.ok(Features.fromBytes(hexToBytes('00008201')).equals(f));
  assert.equal(bytesToHex(Features.fromBytes(hexToBytes('0000')).toBytes()), '');
  assert.ok(Features.fromBytes(new Uint8Array(0)).isEmpty);
  // keysend optional: bit 55 is bit 7 of the 7th byte from the end.
  assert.equal(bytesToHex(Features.of([FEATURES.keysend, 'optional']).toBytes()), '80000000000000');
});

test('property: bits and bytes round-trip', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { maxLength: 30 }), (bits) => {
      const f = Features.fromBits(bits);
      const sorted = [...bits].sort((a, b) => a - b);
      assert.deepEqual(f.toBits(), sorted);
      const b = f.toBytes();
      assert.ok(b.length === 0 || b[0] !== 0, 'minimal');
      assert.ok(Features.fromBytes(b).equals(f));
      for (const bit of sorted) assert.ok(f.has(bit));
      if (sorted.length > 0) assert.ok(!f.without(sorted[0] as number).has(sorted[0] as number));
    }),
    { seed: 9, numRuns: 300 },
  );
});

test('set/test, required vs optional (both bits set counts as required)', () => {
  const a = FEATURES.optionAnchors;
  const opt = Features.empty.withOptional(a);
  assert.ok(opt.isOptional(a) && !opt.isRequired(a) && opt.offers(a));
  const req = opt.withRequired(a);
  assert.ok(req.isRequired(a) && !req.isOptional(a));
  assert.ok(!req.has(a.optional), 'withRequired clears the optional bit');
  const both = Features.fromBits([a.required, a.optional]);
  assert.ok(both.isRequired(a) && !both.isOptional(a));
  assert.ok(!Features.empty.offers(a));
  assert.ok(Features.empty.isEmpty && !opt.isEmpty);
  assert.ok(!opt.has(-1) && !opt.has(1.5));
  assert.throws(() => Features.empty.with(MAX_FEATURE_BIT + 1), RangeError);
  assert.throws(() => Features.fromBits([-1]), RangeError);
  assert.ok(Features.empty.with(MAX_FEATURE_BIT).has(MAX_FEATURE_BIT));
  // Immutable: deriving never changes the original.
  assert.ok(Features.empty.isEmpty);
  assert.equal(opt.toBits().length, 1);
});

test('union combines init globalfeatures and features (BOLT 1)', () => {
  const global = Features.fromBytes(hexToBytes('2000')); // bit 13
  const local = Features.fromBytes(hexToBytes('0200000000')); // bit 33
  assert.deepEqual(global.union(local).toBits(), [13, 33]);
  assert.deepEqual(local.union(global).toBits(), [13, 33]);
  const init = { globalfeatures: hexToBytes('2000'), features: hexToBytes('0200000000') };
  assert.deepEqual(initFeatures(init).toBits(), [13, 33]);
  assert.ok(initFeatures({ globalfeatures: new Uint8Array(0), features: new Uint8Array(0) }).isEmpty);
});

test('unknownRequiredFeatures: even bits of theirs that ours does not offer', () => {
  const theirs = Features.fromBits([
    FEATURES.optionAnchors.required,
    FEATURES.optionStaticRemotekey.required,
    FEATURES.optionZeroconf.optional,
    100,
    103,
    200,
  ]);
  const ours = Features.of(
    [FEATURES.optionAnchors, 'optional'],
    [FEATURES.optionStaticRemotekey, 'required'],
  );
  assert.deepEqual(unknownRequiredFeatures(theirs, ours), [100, 200]);
  assert.deepEqual(unknownRequiredFeatures(ours, theirs), []);
  assert.deepEqual(unknownRequiredFeatures(Features.fromBits([100]), Features.fromBits([101])), []);
});

test('missingDependencies: direct dependencies, and ASSUMED ones only when strict', () => {
  const zeroconf = Features.of([FEATURES.optionZeroconf, 'optional']);
  assert.deepEqual(
    missingDependencies(zeroconf).map((m) => [m.feature.name, m.missing.name]),
    [['option_zeroconf', 'option_scid_alias']],
  );
  assert.deepEqual(missingDependencies(zeroconf.withOptional(FEATURES.optionScidAlias)), []);
  const close = Features.of([FEATURES.optionSimpleClose, 'required']);
  assert.deepEqual(
    missingDependencies(close).map((m) => m.missing.name),
    ['option_shutdown_anysegwit'],
  );
  const mpp = Features.of([FEATURES.basicMpp, 'optional']);
  assert.deepEqual(missingDependencies(mpp), []);
  assert.deepEqual(
    missingDependencies(mpp, { strict: true }).map((m) => m.missing.name),
    ['payment_secret'],
  );
  assert.deepEqual(missingDependencies(mpp.withOptional(FEATURES.paymentSecret), { strict: true }), []);
  const ks = Features.of([FEATURES.keysend, 'optional']);
  assert.deepEqual(
    missingDependencies(ks, { strict: true }).map((m) => m.missing.name),
    ['var_onion_optin'],
  );
});

test('isNegotiated: both offered, or we offered it as even', () => {
  const f = FEATURES.optionScidAlias;
  const opt = Features.of([f, 'optional']);
  const req = Features.of([f, 'required']);
  assert.equal(isNegotiated(opt, opt, f), true);
  assert.equal(isNegotiated(opt, Features.empty, f), false);
  assert.equal(isNegotiated(req, Features.empty, f), true);
  assert.equal(isNegotiated(Features.empty, req, f), false);
});

test('misplacedFeatures: known features outside the contexts BOLT 9 allows them', () => {
  const v = Features.of(
    [FEATURES.keysend, 'optional'],
    [FEATURES.optionPaymentMetadata, 'optional'],
    [FEATURES.optionAnchors, 'optional'],
    [FEATURES.varOnionOptin, 'required'],
  );
  assert.deepEqual(
    misplacedFeatures(v, 'I').map((f) => f.name),
    ['option_payment_metadata', 'keysend'],
  );
  assert.deepEqual(
    misplacedFeatures(v, 'N').map((f) => f.name),
    ['option_payment_metadata'],
  );
  assert.deepEqual(
    misplacedFeatures(v, '9').map((f) => f.name),
    ['option_anchors', 'keysend'],
  );
  assert.equal(misplacedFeatures(v, 'C').length, 3);
});

test('describe names known features and numbers unknown bits', () => {
  const v = Features.fromBits([FEATURES.optionAnchors.required, FEATURES.keysend.optional, 101]);
  assert.deepEqual(v.describe(), ['option_anchors', 'keysend?', 'bit 101']);
  assert.equal(String(Features.fromBits([22, 23])), 'option_anchors');
});

test('a maximal 65535-byte vector is handled quickly', () => {
  const t0 = Date.now();
  const f = Features.fromBytes(new Uint8Array(65535).fill(0xff));
  assert.equal(f.toBits().length, 65535 * 8);
  assert.equal(f.toBytes().length, 65535);
  assert.equal(unknownRequiredFeatures(f, Features.empty).length, 65535 * 4);
  assert.ok(Date.now() - t0 < 2000);
});
