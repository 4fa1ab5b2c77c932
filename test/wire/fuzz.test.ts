// Mutation fuzzing of the message decoder: for every message, valid encodings are mutated 10,000+
// times; each input must decode to a value or a DecodeError result (never another exception, never
// a hang), and any value must re-encode and decode to an equal value. Seeded: a failure names the
// seed and the input, which reproduce it.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex } from '../../src/crypto/index.js';
import {
  ALL_MESSAGES,
  DecodeError,
  decodeMessage,
  encodeMessage,
  type MessageDef,
  type WireMessage,
} from '../../src/wire/index.js';
import { messageArb } from './arbitraries.js';
import { mutate, Prng } from './mutate.js';

const SEED = 0x5eed_f00d;
const MUTATIONS_PER_MESSAGE = 10_000;
const VALID_SAMPLES = 8;
/** Far above a normal decode (microseconds); only a pathological input could get near it. */
const SLOW_DECODE_MS = 250;

interface Outcome {
  ok: number;
  errors: number;
  slowest: number;
}

function check(input: Uint8Array, context: string, out: Outcome): void {
  const hex = () => `${context}, input ${bytesToHex(input)}`;
  const t0 = performance.now();
  let r: ReturnType<typeof decodeMessage>;
  try {
    r = decodeMessage(input);
  } catch (e) {
    assert.fail(`decodeMessage threw ${(e as Error).name}: ${(e as Error).message} (${hex()})`);
  }
  out.slowest = Math.max(out.slowest, performance.now() - t0);
  if (!r.ok) {
    assert.ok(r.error instanceof DecodeError, hex());
    out.errors++;
    return;
  }
  out.ok++;
  let again: Uint8Array;
  try {
    again = encodeMessage(r.value);
  } catch (e) {
    assert.fail(`a decoded value failed to re-encode: ${(e as Error).message} (${hex()})`);
  }
  const r2 = decodeMessage(again);
  if (!r2.ok) assert.fail(`re-encoding does not decode: ${r2.error.message} (${hex()})`);
  assert.deepStrictEqual(r2.value, r.value, hex());
}

for (const def of ALL_MESSAGES as readonly MessageDef[]) {
  test(`fuzz: ${def.kind} survives ${MUTATIONS_PER_MESSAGE} mutations`, () => {
    const seed = SEED + def.type;
    const valid = fc
      .sample(messageArb(def), { seed, numRuns: VALID_SAMPLES })
      .map((v) => encodeMessage(v as WireMessage));
    const rng = new Prng(seed);
    const out: Outcome = { ok: 0, errors: 0, slowest: 0 };
    for (let i = 0; i < MUTATIONS_PER_MESSAGE; i++) {
      const base = valid[i % valid.length] as Uint8Array;
      check(mutate(base, rng), `${def.kind} seed ${seed} iteration ${i}`, out);
    }
    assert.equal(out.ok + out.errors, MUTATIONS_PER_MESSAGE);
    // Both outcomes must occur, or the mutations are not reaching the decoder's checks.
    assert.ok(out.errors > MUTATIONS_PER_MESSAGE / 20, `${def.kind}: only ${out.errors} rejections`);
    assert.ok(out.ok > 0, `${def.kind}: no mutation decoded`);
    assert.ok(out.slowest < SLOW_DECODE_MS, `${def.kind}: slowest decode took ${out.slowest.toFixed(1)} ms`);
  });
}

test('fuzz: random bytes of every known and unknown type', () => {
  const rng = new Prng(SEED);
  const types = [...ALL_MESSAGES.map((d) => d.type), 0, 3, 32767, 32768, 65535];
  const out: Outcome = { ok: 0, errors: 0, slowest: 0 };
  for (let i = 0; i < 20_000; i++) {
    const type = types[rng.int(types.length)] ?? 0;
    const body = rng.bytes(rng.int(rng.int(4) === 0 ? 1500 : 200));
    const input = new Uint8Array(2 + body.length);
    input[0] = type >> 8;
    input[1] = type & 0xff;
    input.set(body, 2);
    check(input, `random input ${i}`, out);
  }
  assert.ok(out.errors > 10_000, `${out.errors} rejections`);
  // Unknown types always decode (as `unknown`), so some inputs must succeed.
  assert.ok(out.ok > 0);
});
