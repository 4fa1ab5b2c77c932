// Untrusted input never crashes the machine: messages a real peer sent, with fields mutated at
// random (then passed through the codec, as the driver would), fed to channels in several phases.
// Every step must return a result; failures are values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ChannelMessage, type ChannelState, step } from '../../src/channel/index.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/wire/index.js';
import { Harness, nodeConfig, Rng } from './harness.js';
import { runTraffic } from './traffic.js';

function mutate(m: WireMessage, rng: Rng): WireMessage {
  const copy: Record<string, unknown> = { ...m };
  const keys = Object.keys(copy).filter((k) => k !== 'kind' && k !== 'channelId');
  const k = keys[rng.int(keys.length)];
  if (k === undefined) return m;
  const v = copy[k];
  if (typeof v === 'bigint') copy[k] = rng.chance(0.5) ? rng.nextU64() : v + BigInt(rng.int(5)) - 2n;
  else if (typeof v === 'number') copy[k] = rng.int(2 ** 16);
  else if (v instanceof Uint8Array) {
    const b = Uint8Array.from(v);
    if (b.length > 0) b[rng.int(b.length)]! ^= 1 << rng.int(8);
    copy[k] = b;
  } else if (Array.isArray(v)) copy[k] = rng.chance(0.5) ? v.slice(1) : [...v, ...v.slice(0, 1)];
  return copy as WireMessage;
}

test('mutated peer messages in any phase give results, never exceptions', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'anchors', pushMsat: 300_000_000n, persistEveryStep: false });
  const snapshots: ChannelState[] = [h.a.s];
  const recordEvery = () => snapshots.push(h.a.s);
  runTraffic(h, new Rng(3), {
    htlcsEachWay: 25,
    maxAmountMsat: 5_000_000n,
    disconnectRate: 0.02,
    failRate: 0.3,
    feeUpdateRate: 0.5,
  });
  recordEvery();
  const corpus = h.b.sent.filter((m) => m.kind !== 'open_channel' && m.kind !== 'accept_channel');
  assert.ok(corpus.length > 100, 'a corpus of real messages');
  // Snapshots from the middle of the traffic too.
  const h2 = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h2.open({ format: 'static_remotekey', pushMsat: 300_000_000n, persistEveryStep: false });
  runTraffic(h2, new Rng(4), {
    htlcsEachWay: 10,
    maxAmountMsat: 5_000_000n,
    disconnectRate: 0,
    failRate: 0.3,
    feeUpdateRate: 0.5,
  });
  snapshots.push(h2.a.s, { ...h2.a.s, connection: 'awaitingReestablish' });
  let failures = 0;
  let steps = 0;
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 3 }), (pick, seed, rounds) => {
      const rng = new Rng(seed);
      let m: WireMessage = corpus[pick % corpus.length]!;
      for (let i = 0; i < rounds; i++) m = mutate(m, rng);
      let raw: Uint8Array;
      try {
        raw = encodeMessage(m);
      } catch {
        return; // not even encodable: cannot come off the wire
      }
      const d = decodeMessage(raw);
      if (!d.ok || d.value.kind === 'unknown') return;
      const state = snapshots[seed % snapshots.length]!;
      const r = step(state, d.value as ChannelMessage, { height: 800_000, now: 0 });
      steps++;
      assert.ok(r.state !== undefined, 'a result');
      if (r.failure !== undefined) failures++;
    }),
    { numRuns: 400 },
  );
  assert.ok(steps > 200, `enough inputs reached the machine (${steps})`);
  assert.ok(failures > 20, `many mutations are caught as failures (${failures})`);
});
