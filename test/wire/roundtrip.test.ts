// Property: for every message, any valid value encodes, decodes back to an equal value, and
// re-encodes to the same bytes (fast-check, seeded so failures reproduce).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex } from '../../src/crypto/index.js';
import {
  ALL_MESSAGES,
  decodeMessage,
  encodeMessage,
  type MessageDef,
  type WireMessage,
} from '../../src/wire/index.js';
import { messageArb } from './arbitraries.js';

const SEED = 0x6b736e64; // "ksnd"
const RUNS = 150;

test('the registry holds every BOLT 1, 2 and 7 message once', () => {
  assert.equal(ALL_MESSAGES.length, 49);
  assert.equal(new Set(ALL_MESSAGES.map((d) => d.type)).size, ALL_MESSAGES.length);
  assert.equal(new Set(ALL_MESSAGES.map((d) => d.kind)).size, ALL_MESSAGES.length);
});

for (const def of ALL_MESSAGES as readonly MessageDef[]) {
  test(`round trip: ${def.kind} (${def.type})`, () => {
    fc.assert(
      fc.property(messageArb(def), (v) => {
        const msg = v as WireMessage;
        const bytes = encodeMessage(msg);
        assert.equal((bytes[0] ?? 0) * 256 + (bytes[1] ?? 0), def.type);
        const r = decodeMessage(bytes);
        if (!r.ok) assert.fail(`${def.kind} failed to decode ${bytesToHex(bytes)}: ${r.error.message}`);
        assert.deepStrictEqual(r.value, msg);
        assert.equal(bytesToHex(encodeMessage(r.value)), bytesToHex(bytes));
      }),
      { seed: SEED + def.type, numRuns: RUNS },
    );
  });
}
