// test/store/suite/channels.ts: channel records with optimistic versions, and their HTLCs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, VersionConflictError } from '../../../src/store/index.js';
import type { TestBackend } from '../backends.js';
import { channel, hashOf, htlc, nodeId, T0 } from '../fixtures.js';
import { rejectsWith, withStore } from './harness.js';

const INT64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

export function channelCases(backend: TestBackend): void {
  test('channels: create at version 1, update bumps the version and keeps createdAt', () =>
    withStore(backend, async (store) => {
      const created = await store.channels.upsert(channel(1), 0);
      assert.equal(created.version, 1);
      assert.equal(created.createdAt, T0 + 1);
      assert.deepEqual(await store.channels.get(channel(1).channelId), created);
      assert.deepEqual(
        { ...created, version: undefined, createdAt: undefined },
        {
          ...channel(1),
          version: undefined,
          createdAt: undefined,
        },
      );

      const next = channel(1, {
        state: 'shutdown',
        localBalanceMsat: 1n,
        remoteBalanceMsat: 999_999_999n,
        data: new Uint8Array([7, 7]),
        updatedAt: T0 + 100,
      });
      const updated = await store.channels.upsert(next, 1);
      assert.equal(updated.version, 2);
      assert.equal(updated.createdAt, T0 + 1);
      assert.equal(updated.updatedAt, T0 + 100);
      assert.equal(updated.state, 'shutdown');
      assert.equal(updated.localBalanceMsat, 1n);
      assert.deepEqual(updated.data, new Uint8Array([7, 7]));
    }));

  test('channels: a stale or wrong expected version is a VersionConflictError and writes nothing', () =>
    withStore(backend, async (store) => {
      await store.channels.upsert(channel(1), 0);
      await store.channels.upsert(channel(1, { state: 'b' }), 1);
      const stale = await rejectsWith(
        store.channels.upsert(channel(1, { state: 'stale' }), 1),
        'version_conflict',
        VersionConflictError,
      );
      assert.equal((stale as VersionConflictError).actualVersion, 2);
      const again = await rejectsWith(
        store.channels.upsert(channel(1), 0),
        'version_conflict',
        VersionConflictError,
      );
      assert.equal((again as VersionConflictError).actualVersion, 2);
      const missing = await rejectsWith(
        store.channels.upsert(channel(2), 5),
        'version_conflict',
        VersionConflictError,
      );
      assert.equal((missing as VersionConflictError).actualVersion, 0);
      assert.equal((await store.channels.get(channel(1).channelId))?.state, 'b');
      assert.equal(await store.channels.get(channel(2).channelId), undefined);
    }));

  test('channels: list with filters, lookup by short_channel_id including u64 aliases', () =>
    withStore(backend, async (store) => {
      const alias = U64_MAX - 5n; // above 2^63: stored as the same 64 bits
      await store.channels.upsert(channel(1), 0);
      await store.channels.upsert(channel(2, { state: 'closed', peerNodeId: nodeId(1) }), 0);
      await store.channels.upsert(channel(3, { shortChannelId: alias }), 0);
      await store.channels.upsert(channel(4, { shortChannelId: null }), 0);
      assert.deepEqual(
        (await store.channels.list()).map((c) => c.fundingOutputIndex),
        [1, 2, 3, 4],
      );
      assert.deepEqual(
        (await store.channels.list({ state: 'closed' })).map((c) => c.fundingOutputIndex),
        [2],
      );
      assert.deepEqual(
        (await store.channels.list({ peerNodeId: nodeId(1) })).map((c) => c.fundingOutputIndex),
        [1, 2],
      );
      assert.equal((await store.channels.getByShortChannelId(alias))?.fundingOutputIndex, 3);
      assert.equal((await store.channels.getByShortChannelId(alias))?.shortChannelId, alias);
      assert.equal(await store.channels.getByShortChannelId(12345n), undefined);
      assert.equal((await store.channels.get(channel(4).channelId))?.shortChannelId, null);
    }));

  test('channels: amounts keep all 63 bits; out-of-range values are refused before writing', () =>
    withStore(backend, async (store) => {
      const big = await store.channels.upsert(
        channel(1, { capacitySat: INT64_MAX, localBalanceMsat: INT64_MAX, remoteBalanceMsat: 0n }),
        0,
      );
      assert.equal(big.localBalanceMsat, INT64_MAX);
      assert.equal((await store.channels.get(channel(1).channelId))?.capacitySat, INT64_MAX);
      await rejectsWith(
        store.channels.upsert(channel(2, { localBalanceMsat: INT64_MAX + 1n }), 0),
        'out_of_range',
      );
      await rejectsWith(store.channels.upsert(channel(2, { remoteBalanceMsat: -1n }), 0), 'out_of_range');
      await rejectsWith(store.channels.upsert(channel(2, { fundingOutputIndex: 1.5 }), 0), 'out_of_range');
      await rejectsWith(
        store.channels.upsert(channel(2, { channelId: new Uint8Array(31) }), 0),
        'invalid_argument',
      );
      assert.equal((await store.channels.list()).length, 1);
    }));

  test('htlcs: upsert, list by channel, find by payment hash, delete; u64 ids order', () =>
    withStore(backend, async (store) => {
      await store.channels.upsert(channel(1), 0);
      await store.channels.upsert(channel(2), 0);
      const shared = hashOf('shared payment');
      await store.htlcs.upsert(htlc(1, U64_MAX, { direction: 'received' }));
      await store.htlcs.upsert(htlc(1, 2n));
      await store.htlcs.upsert(htlc(1, 0n, { paymentHash: shared }));
      await store.htlcs.upsert(htlc(1, 0n, { direction: 'received', onion: null }));
      await store.htlcs.upsert(htlc(2, 0n, { paymentHash: shared, updatedAt: T0 + 1 }));
      assert.deepEqual(
        (await store.htlcs.listByChannel(channel(1).channelId)).map((h) => `${h.direction}:${h.htlcId}`),
        ['offered:0', 'offered:2', 'received:0', `received:${U64_MAX}`],
      );
      const found = await store.htlcs.findByPaymentHash(shared);
      assert.deepEqual(
        found.map((h) => h.channelId),
        [channel(1).channelId, channel(2).channelId],
      );

      const preimage = hashOf('preimage');
      const settled = await store.htlcs.upsert(
        htlc(1, 2n, { state: 'settled', preimage, updatedAt: T0 + 50 }),
      );
      assert.equal(settled.createdAt, T0);
      assert.equal(settled.updatedAt, T0 + 50);
      assert.deepEqual(settled.preimage, preimage);
      assert.deepEqual(await store.htlcs.get(channel(1).channelId, 'offered', 2n), settled);
      assert.deepEqual(
        (await store.htlcs.listByChannel(channel(1).channelId, { state: 'settled' })).map((h) => h.htlcId),
        [2n],
      );
      const full = await store.htlcs.get(channel(1).channelId, 'received', U64_MAX);
      assert.equal(full?.htlcId, U64_MAX);
      assert.equal(full?.onion?.length, 1366);
      assert.equal(await store.htlcs.delete(channel(1).channelId, 'offered', 2n), true);
      assert.equal(await store.htlcs.delete(channel(1).channelId, 'offered', 2n), false);
      assert.equal(await store.htlcs.get(channel(1).channelId, 'offered', 2n), undefined);
    }));

  test('htlcs: an HTLC of an unknown channel is NotFoundError and the transaction stays usable', () =>
    withStore(backend, async (store) => {
      await store.transaction(async (tx) => {
        await rejectsWith(tx.htlcs.upsert(htlc(9, 0n)), 'not_found', NotFoundError);
        await tx.channels.upsert(channel(9), 0);
        await tx.htlcs.upsert(htlc(9, 0n));
      });
      assert.equal((await store.htlcs.listByChannel(channel(9).channelId)).length, 1);
      await rejectsWith(
        store.htlcs.upsert({ ...htlc(9, 1n), direction: 'sideways' as 'offered' }),
        'invalid_argument',
      );
    }));
}
