// The settled-invoice stream: replay from the store after a settle index, then live settles
// (keysend and BOLT 11, with their records), resumption without gaps or repeats, and closing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeInvoice } from '../../src/invoice/index.js';
import type { RegistryInvoice } from '../../src/invoices/index.js';
import { finalPayload, type Harness, HEIGHT, harness, htlcFor, keysend, utf8 } from './helpers.js';

async function payKeysend(h: Harness, label: string): Promise<Uint8Array> {
  const k = keysend(label, { records: [{ type: 65537n, value: utf8(label) }] });
  const out = await h.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT);
  assert.equal(out.resolutions[0]?.kind, 'settle');
  return k.paymentHash;
}

/** The next item, or a failure after `ms` (so a missing event fails instead of hanging). */
async function nextWithin(it: AsyncIterator<RegistryInvoice>, ms = 2000): Promise<RegistryInvoice> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([it.next(), timeout]);
    assert.equal(r.done, false);
    return r.value as RegistryInvoice;
  } finally {
    clearTimeout(timer);
  }
}

test('subscribe: replays settled invoices from the store, then delivers live settles', async () => {
  const h = await harness();
  try {
    // An open invoice is not an event.
    const open = await h.registry.createInvoice({ amountMsat: 1000n, description: 'later' });
    await payKeysend(h, 'one');
    await payKeysend(h, 'two');
    const stream = h.registry.subscribe();
    const first = await nextWithin(stream);
    const second = await nextWithin(stream);
    assert.deepEqual([first.settleIndex, second.settleIndex], [1, 2]);
    assert.deepEqual(first.customRecords.get(65537n), utf8('one'));
    assert.equal(first.keysend, true);
    // Live: a pending next() is woken by the settle.
    const pending = nextWithin(stream);
    const inv = decodeInvoice(open.bolt11);
    const htlc = htlcFor(inv.paymentHash, { amountMsat: 1000n, cltvExpiry: HEIGHT + 40 });
    const payload = finalPayload({
      amtToForwardMsat: 1000n,
      outgoingCltvValue: HEIGHT + 40,
      paymentData: { paymentSecret: inv.paymentSecret, totalMsat: 1000n },
      records: [{ type: 65539n, value: utf8('bolt11 record') }],
    });
    await h.registry.onFinalHtlc(htlc, payload, HEIGHT);
    const live = await pending;
    assert.equal(live.settleIndex, 3);
    assert.equal(live.keysend, false);
    assert.equal(live.bolt11, open.bolt11);
    assert.deepEqual(live.customRecords.get(65539n), utf8('bolt11 record'));
    assert.equal(stream.lastSettleIndex, 3);
    stream.close();
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  } finally {
    await h.cleanup();
  }
});

test('subscribe: an app resuming from its last settle index misses nothing and sees nothing twice', async () => {
  const h = await harness();
  try {
    const hashes = [await payKeysend(h, 'a'), await payKeysend(h, 'b')];
    const seen: number[] = [];
    const stream = h.registry.subscribe();
    for await (const inv of stream) {
      seen.push(inv.settleIndex!);
      if (seen.length === 1) break; // the app disconnects after one
    }
    assert.deepEqual(seen, [1]);
    // Settles while the app is away.
    hashes.push(await payKeysend(h, 'c'));
    const resumed = h.registry.subscribe(seen[seen.length - 1]);
    const got: RegistryInvoice[] = [];
    // Settles racing with the replay: several at once, with next() outstanding.
    const racing = Promise.all([payKeysend(h, 'd'), payKeysend(h, 'e')]);
    for (let i = 0; i < 4; i++) got.push(await nextWithin(resumed));
    hashes.push(...(await racing));
    assert.deepEqual(
      got.map((i) => i.settleIndex),
      [2, 3, 4, 5],
    );
    assert.deepEqual(
      new Set(got.map((i) => new TextDecoder().decode(i.customRecords.get(65537n)))),
      new Set(['b', 'c', 'd', 'e']),
    );
    // Closing the registry ends its streams.
    const idle = resumed.next();
    h.registry.close();
    assert.deepEqual(await idle, { done: true, value: undefined });
    assert.throws(() => h.registry.subscribe(-1), { code: 'invalid_request' });
  } finally {
    await h.cleanup();
  }
});
