// Our init and node_announcement features: the exact bits, their parity rules, and that the peers
// described in the LDK interop note accept them and are accepted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hexToBytes } from '../../src/crypto/index.js';
import { FEATURE_CHOICES, OUR_INIT_FEATURES, OUR_NODE_ANNOUNCEMENT_FEATURES } from '../../src/peer/index.js';
import {
  FEATURES,
  Features,
  featureByBit,
  misplacedFeatures,
  missingDependencies,
  unknownRequiredFeatures,
} from '../../src/wire/index.js';

interface RemoteInits {
  peers: { name: string; features: string; requiresOfPeer: [number, number][] }[];
  requiredFeaturesLdkRefuses: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/peer/remote-init-features.json', import.meta.url), 'utf8'),
) as RemoteInits;

test('init features: exactly the issue-5 set, only ASSUMED features required', () => {
  assert.deepEqual(OUR_INIT_FEATURES.toBits(), [0, 5, 7, 8, 12, 14, 17, 23, 27, 45, 47, 61]);
  const required = OUR_INIT_FEATURES.toBits().filter((b) => b % 2 === 0);
  assert.deepEqual(required, [0, 8, 12, 14]);
  for (const bit of required) assert.equal(featureByBit(bit)?.status, 'assumed', `bit ${bit}`);
  // Minimal big-endian encoding, as BOLT 1 asks.
  assert.deepEqual(OUR_INIT_FEATURES.toBytes(), hexToBytes('2000a000088251a1'));
});

test('node_announcement features: keysend 55 and its dependency, no init-only bits', () => {
  assert.deepEqual(OUR_NODE_ANNOUNCEMENT_FEATURES.toBits(), [5, 8, 14, 17, 23, 27, 47, 55]);
  assert.ok(OUR_NODE_ANNOUNCEMENT_FEATURES.isOptional(FEATURES.keysend));
  assert.ok(!OUR_INIT_FEATURES.offers(FEATURES.keysend), 'keysend is an N-context feature');
  assert.deepEqual(misplacedFeatures(OUR_NODE_ANNOUNCEMENT_FEATURES, 'N'), []);
});

test('both vectors are well formed: dependencies set, no pair with both bits, nothing misplaced', () => {
  for (const f of [OUR_INIT_FEATURES, OUR_NODE_ANNOUNCEMENT_FEATURES]) {
    assert.deepEqual(missingDependencies(f, { strict: true }), []);
    for (const bit of f.toBits()) if (bit % 2 === 0) assert.ok(!f.has(bit + 1), `both bits of ${bit}`);
  }
  assert.deepEqual(misplacedFeatures(OUR_INIT_FEATURES, 'I'), []);
  for (const c of FEATURE_CHOICES) assert.ok(c.why.length > 40, `${c.feature.name} needs a reason`);
});

test('LDK 0.1 and ksnode accept each other’s init features', () => {
  for (const peer of fixture.peers) {
    const theirs = Features.fromBytes(hexToBytes(peer.features));
    // We would not disconnect them...
    assert.deepEqual(unknownRequiredFeatures(theirs, OUR_INIT_FEATURES), [], peer.name);
    assert.deepEqual(missingDependencies(theirs), [], peer.name);
    // ...they would not disconnect us: we require nothing they lack...
    assert.deepEqual(unknownRequiredFeatures(OUR_INIT_FEATURES, theirs), [], peer.name);
    // ...and we offer everything they demand of a peer.
    for (const [even, odd] of peer.requiresOfPeer) {
      assert.ok(
        OUR_INIT_FEATURES.has(even) || OUR_INIT_FEATURES.has(odd),
        `${peer.name} needs ${even}/${odd}`,
      );
    }
  }
  for (const bit of fixture.requiredFeaturesLdkRefuses) {
    assert.ok(!OUR_INIT_FEATURES.has(bit), `we must not require bit ${bit}`);
  }
});
