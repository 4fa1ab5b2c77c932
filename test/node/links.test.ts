// test/node/links.test.ts: the adapters between the driver, the switch and the payment loop (pure
// parts): how an HTLC outcome reaches the loop, which ids name a channel, and what our
// channel_update announces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelSnapshot, ChannelState } from '../../src/channel/index.js';
import { aliasesOf, htlcLimitsOf, routingScidOf, toHtlcOutcome } from '../../src/node/links.js';

function snapshot(patch: Partial<ChannelState>): ChannelSnapshot {
  const state = {
    fundingSat: 100_000n,
    localAlias: 0xf0_00_00_00_00_00_00_01n,
    remote: { htlcMinimumMsat: 0n, maxHtlcValueInFlightMsat: 99_000_000_000n },
    ...patch,
  } as unknown as ChannelState;
  return {
    channelId: new Uint8Array(32),
    temporary: false,
    peerNodeId: new Uint8Array(33),
    state,
    usable: true,
    spendableMsat: 0n,
    receivableMsat: 0n,
    createdAt: 0,
  };
}

test('HTLC outcomes reach the payment loop unchanged, a closed channel as a closed outcome', () => {
  const preimage = new Uint8Array(32).fill(1);
  assert.deepEqual(toHtlcOutcome({ kind: 'fulfilled', preimage }), { kind: 'fulfilled', preimage });
  const reason = Uint8Array.of(1, 2, 3);
  const attributionData = Uint8Array.of(9);
  assert.deepEqual(toHtlcOutcome({ kind: 'failed', failure: { kind: 'fail', reason, attributionData } }), {
    kind: 'failed',
    reason,
    attributionData,
  });
  assert.deepEqual(
    toHtlcOutcome({
      kind: 'failed',
      failure: { kind: 'malformed', sha256OfOnion: new Uint8Array(32), failureCode: 0xc005 },
    }),
    { kind: 'malformed', code: 0xc005 },
  );
  // Our own channel closed: not a reply of the peer (no malformed PERM|8 blamed on hop 1).
  assert.deepEqual(toHtlcOutcome({ kind: 'failed', failure: { kind: 'closed', why: 'gone' } }), {
    kind: 'closed',
    why: 'gone',
  });
});

test('a channel is named by its real short_channel_id once it has one, else by our alias', () => {
  const unconfirmed = snapshot({ remoteAlias: 77n });
  assert.equal(routingScidOf(unconfirmed), 0xf0_00_00_00_00_00_00_01n);
  assert.deepEqual(aliasesOf(unconfirmed), [0xf0_00_00_00_00_00_00_01n, 77n]);
  const confirmed = snapshot({ shortChannelId: (700_000n << 40n) | (3n << 16n) | 1n });
  assert.equal(routingScidOf(confirmed), (700_000n << 40n) | (3n << 16n) | 1n);
  assert.deepEqual(aliasesOf(confirmed), [0xf0_00_00_00_00_00_00_01n]);
});

test("htlc_maximum_msat is the smaller of the capacity and the peer's in-flight limit", () => {
  // BOLT 7: htlc_maximum_msat at most the capacity; the peer accepts no more in flight.
  assert.deepEqual(htlcLimitsOf(snapshot({})), { minimumMsat: 1n, maximumMsat: 100_000_000n });
  const limited = snapshot({
    remote: { htlcMinimumMsat: 1000n, maxHtlcValueInFlightMsat: 5_000_000n } as ChannelState['remote'],
  });
  assert.deepEqual(htlcLimitsOf(limited), { minimumMsat: 1000n, maximumMsat: 5_000_000n });
});
