// Interop scenarios 3 and 4: keysend (bLIP 3) with custom records between ksnode (a real daemon)
// and LDK 0.1 over a direct channel, each way. ksnode -> LDK: LDK reports a spontaneous payment
// with exactly our records and amount, and our payment succeeds with the preimage. LDK -> ksnode:
// our registry holds the ad-hoc keysend invoice with LDK's records, and LDK reports success.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytesToHex, equalBytes, hexToBytes, sha256 } from '../../src/crypto/index.js';
import { invoice, type NodeProcess } from '../node/harness.js';
import type { LdkPeer } from './ldk/client.js';
import { type InteropNet, ksKeysend, pairWithChannels, utf8 } from './ldk-net.js';

/** bLIP 3 keysend preimage record, and the Whatsat chat-message record ksnode sends a message in. */
const KEYSEND_PREIMAGE_TYPE = 5482373484n;
const CHAT_MESSAGE_TYPE = 34349334n;

let net: InteropNet;
let ks: NodeProcess;
let ldk: LdkPeer;

before(
  async () => {
    ({ net, ks, ldk } = await pairWithChannels());
  },
  { timeout: 90_000 },
);

after(async () => {
  await net?.close();
});

function recordsJson(m: ReadonlyMap<bigint, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...m].map(([t, v]) => [t.toString(), bytesToHex(v)]));
}

test(
  'keysend ksnode -> LDK with custom records: LDK gets exactly our records and amount',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const records = new Map<bigint, Uint8Array>([
        [65537n, utf8('hello LDK')],
        [65541n, Uint8Array.from([0, 1, 2, 3, 255])],
        [5482373485n, new Uint8Array(0)],
      ]);
      const since = await net.lastSeq(ldk);
      const p = await ksKeysend(ks, bytesToHex(ldk.nodeId), 123_456n, {
        records: recordsJson(records),
        message: 'a chat message',
      });
      assert.equal(p.status, 'succeeded', p.failureReason ?? '');
      assert.ok(p.preimage !== null);
      assert.equal(bytesToHex(sha256(hexToBytes(p.preimage))), p.paymentHash);
      assert.equal(p.feeMsat, '0', 'a direct channel costs no fee');

      const claimed = await ldk.waitEvent('PaymentClaimed', { paymentHash: p.paymentHash }, since, 10_000);
      assert.equal(claimed.data.amountMsat, '123456');
      assert.equal(claimed.data.purpose, 'spontaneous');
      const got = (await ldk.payments()).received.find((r) => bytesToHex(r.paymentHash) === p.paymentHash);
      assert.ok(got !== undefined, 'LDK recorded the payment');
      assert.equal(got.status, 'claimed');
      assert.equal(got.purpose, 'spontaneous');
      assert.equal(got.amountMsat, 123_456n);
      assert.ok(got.preimage !== null && bytesToHex(got.preimage) === p.preimage, 'the preimage we chose');
      // Exactly our records, plus the chat message record carrying our text; no preimage record
      // among the custom ones (LDK takes it as the keysend preimage).
      const expected = new Map(records).set(CHAT_MESSAGE_TYPE, utf8('a chat message'));
      assert.deepEqual(
        [...got.customRecords.keys()].sort(),
        [...expected.keys()].sort(),
        'the custom record types LDK saw',
      );
      for (const [t, v] of expected) assert.ok(equalBytes(got.customRecords.get(t)!, v), `record ${t}`);
      assert.ok(!got.customRecords.has(KEYSEND_PREIMAGE_TYPE));
    }),
);

test(
  'keysend LDK -> ksnode with custom records: our registry holds them, LDK reports success',
  {
    timeout: 60_000,
  },
  () =>
    net.explain(async () => {
      const records = new Map<bigint, Uint8Array>([
        [65539n, utf8('hi ksnode')],
        [70001n, Uint8Array.from([9, 8, 7])],
        [CHAT_MESSAGE_TYPE, utf8('LDK says hello')],
      ]);
      const sent = await ldk.keysend(hexToBytes(ks.nodeId), 98_765n, { customRecords: records });
      assert.equal(sent.status, 'succeeded', sent.failure ?? '');
      assert.ok(equalBytes(sha256(sent.preimage), sent.paymentHash));
      assert.equal(sent.feePaidMsat, 0n);
      assert.equal(sent.path?.length, 1);
      assert.equal(bytesToHex(sent.path![0]!.nodeId), ks.nodeId);

      const inv = await invoice(ks, bytesToHex(sent.paymentHash));
      assert.ok(inv !== undefined, 'the ad-hoc keysend invoice exists');
      assert.equal(inv.state, 'settled');
      assert.equal(inv.keysend, true);
      assert.equal(inv.amountReceivedMsat, '98765');
      assert.deepEqual(inv.records, recordsJson(records), 'byte-exact records, nothing more');
      assert.equal(inv.app?.message, 'LDK says hello');
      assert.equal(inv.app?.senderVerified, false, 'plain keysend is anonymous');
    }),
);
