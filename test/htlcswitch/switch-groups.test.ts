// HTLC inputs that reach the switch together are processed as one group: one transaction per
// phase for all of them (their circuits, then the ids the channels gave, or their resolutions),
// with the same outcome as one at a time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Net, TestNode } from './harness.js';
import { eachLine } from './network.js';
import { fulfilledAt, htlcRequest, keysend, send, storedCircuits } from './route.js';

/** Counts the store transactions `n`'s switch opens from now on. */
function countTransactions(n: TestNode): { count: number } {
  const counter = { count: 0 };
  const store = n.store;
  const original = store.transaction.bind(store);
  store.transaction = ((fn) => {
    counter.count++;
    return original(fn);
  }) as typeof store.transaction;
  return counter;
}

describe('HtlcSwitch: inputs that arrive together', () => {
  let net: Net;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  eachLine((line) => ({ net, a, b, c } = line));

  test('three keysends sent, forwarded and settled together: two transactions per node and phase, not six', async () => {
    const ps = [keysend(b, c), keysend(b, c), keysend(b, c)];
    const atA = countTransactions(a);
    await Promise.all(ps.map((p) => send(a, p)));
    assert.equal(atA.count, 2, "A: the three circuits in one transaction, the channel's ids in another");
    assert.deepEqual(
      [...a.linkTo(b).offered.keys()],
      [0n, 1n, 2n],
      'the adds were offered in the order of the requests',
    );

    assert.equal(net.pending, 3);
    const atB = countTransactions(b);
    await net.burst(); // the three HTLCs reach B as one commitment makes them irrevocable
    assert.equal(atB.count, 2, 'B: the three circuits with their forwards rows, then the outgoing ids');
    const forwards = await b.store.forwards.list();
    assert.deepEqual(
      forwards.map((f) => [f.status, f.outgoingHtlcId]),
      [
        ['pending', 0n],
        ['pending', 1n],
        ['pending', 2n],
      ],
    );

    const order: string[] = [];
    c.finalMode = {
      custom: async (htlc, payload) => {
        order.push(`asked ${htlc.htlcId}`);
        return { kind: 'settle', preimage: payload.keysendPreimage! };
      },
    };
    const toB = c.linkTo(b);
    const fulfill = toB.fulfillHtlc.bind(toB);
    toB.fulfillHtlc = (id, preimage, attr) => {
      order.push(`fulfilled ${id}`);
      return fulfill(id, preimage, attr);
    };
    await net.burst(); // C settles the three
    assert.deepEqual(
      order,
      ['asked 0', 'asked 1', 'asked 2', 'fulfilled 0', 'fulfilled 1', 'fulfilled 2'],
      "the registry's answers reach the channel together, once all three are in",
    );
    assert.equal(net.pending, 3, "C's three fulfills are on their way to B");
    atB.count = 0;
    await net.burst();
    assert.equal(atB.count, 1, 'B: the three resolutions with their forwards rows in one transaction');
    assert.deepEqual(
      b.removalsOn(a).map((r) => [r.kind, r.htlcId]),
      [
        ['fulfill', 0n],
        ['fulfill', 1n],
        ['fulfill', 2n],
      ],
    );
    atA.count = 0;
    await net.burst(); // the three fulfills reach A together
    for (const p of ps) fulfilledAt(a, p);
    assert.equal(
      atA.count,
      1,
      'A: the three outcomes were taken, then their circuits deleted in one transaction',
    );
    await net.pump();
    assert.deepEqual(
      (await b.store.forwards.list()).map((f) => f.status),
      ['settled', 'settled', 'settled'],
    );
    assert.deepEqual(await storedCircuits(a), []);
  });

  test('sends made in separate callbacks of one turn (as API requests are) go as one group', async () => {
    const ps = [keysend(b, c), keysend(b, c), keysend(b, c)];
    const atA = countTransactions(a);
    // Each from a callback of its own, the switch idle: the first does not go alone.
    await Promise.all(
      ps.map(
        (p) => new Promise<void>((resolve, reject) => setImmediate(() => send(a, p).then(resolve, reject))),
      ),
    );
    assert.equal(atA.count, 2, 'the three circuits in one transaction, the ids in another');
    assert.deepEqual([...a.linkTo(b).offered.keys()], [0n, 1n, 2n]);
    await net.pump();
    for (const p of ps) fulfilledAt(a, p);
  });

  test('the same HTLC twice in one group is forwarded once', async () => {
    const p = keysend(b, c);
    await send(a, p);
    const report = b.linkTo(a);
    const req = a.linkTo(b).offered.get(0n)!;
    const again = () =>
      b.switch.incomingHtlcCommitted(report, {
        id: 0n,
        amountMsat: req.amountMsat,
        cltvExpiry: req.cltvExpiry,
        paymentHash: req.paymentHash,
        onion: req.onion,
      });
    net.send(again); // the report the link queued, and a repeat of it in the same burst
    await net.burst();
    assert.equal(b.linkTo(c).offered.size, 1);
    assert.equal((await b.store.forwards.list()).length, 1);
    assert.deepEqual(
      b.events.filter((e) => e.kind === 'anomaly'),
      [],
    );
    await net.pump();
    fulfilledAt(a, p);
  });

  test('a request repeated in one group is sent once; an add that throws fails only its own request', async () => {
    const [p, q] = [keysend(b, c), keysend(b, c)];
    const results = await Promise.all([
      a.switch.sendHtlc(htlcRequest(p)),
      a.switch.sendHtlc(htlcRequest(p)),
      a.switch.sendHtlc(htlcRequest(q)),
    ]);
    assert.deepEqual(
      results.map((r) => r.kind),
      ['sent', 'already_sent', 'sent'],
    );
    assert.equal(a.linkTo(b).offered.size, 2);

    const link = a.linkTo(b);
    const [r, s] = [keysend(b, c), keysend(b, c)];
    const add = link.addHtlc.bind(link);
    let calls = 0;
    link.addHtlc = async (req) => {
      if (calls++ === 0) throw new Error('channel state machine bug');
      return add(req);
    };
    const settled = await Promise.allSettled([
      a.switch.sendHtlc(htlcRequest(r)),
      a.switch.sendHtlc(htlcRequest(s)),
    ]);
    assert.equal(settled[0].status, 'rejected');
    assert.equal(settled[1].status === 'fulfilled' && settled[1].value.kind, 'sent');
  });
});
