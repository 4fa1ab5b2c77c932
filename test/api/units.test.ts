// The pure pieces behind the API and the CLI: rate limits, the SSE parser, the event hub, token
// checks, the CLI's formatting, and API JSON details.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ApiJson,
  EventHub,
  type NodeEvent,
  type NodeEventListener,
  RateLimiter,
  TokenChecker,
} from '../../src/api/index.js';
import type { NodeFacade } from '../../src/api/node-facade.js';
import { attemptToJson } from '../../src/api/to-json.js';
import { liquidityBar, parseSatToMsat, satFromMsat, table } from '../../src/cli/format.js';
import { type SseItem, SseParser } from '../../src/cli/sse-parser.js';

describe('RateLimiter', () => {
  test('a burst, then one token per 1/perSecond, with a Retry-After', () => {
    const r = new RateLimiter({ burst: 3, perSecond: 2 });
    const t0 = 1_000_000;
    assert.deepEqual(
      [1, 2, 3].map(() => r.take('a', t0).ok),
      [true, true, true],
    );
    assert.deepEqual(r.take('a', t0), { ok: false, retryAfterSeconds: 1 });
    assert.equal(r.take('b', t0).ok, true, 'keys have their own buckets');
    assert.equal(r.take('a', t0 + 499).ok, false);
    // Two tokens a second: by t0 + 1000 two more requests may pass.
    assert.deepEqual(
      [1, 2, 3].map(() => r.take('a', t0 + 1000).ok),
      [true, true, false],
    );
    // A long pause refills to the burst, not beyond.
    assert.deepEqual(
      [1, 2, 3, 4].map(() => r.take('a', t0 + 60_000).ok),
      [true, true, true, false],
    );
  });

  test('property: over any schedule, no more than burst + elapsed * rate requests pass', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (burst, perSecond, gaps) => {
          const r = new RateLimiter({ burst, perSecond });
          let now = 0;
          let passed = 0;
          for (const g of gaps) {
            now += g;
            if (r.take('k', now).ok) passed += 1;
          }
          return passed <= burst + Math.floor((now / 1000) * perSecond) + 1e-9;
        },
      ),
    );
  });

  test('buckets that refilled are forgotten, so many clients do not grow memory without end', () => {
    const r = new RateLimiter({ burst: 2, perSecond: 1 });
    for (let i = 0; i < 10_001; i++) r.take(`ip${i}`, 0);
    r.take('late', 10_000);
    assert.ok(r.size < 100, `size ${r.size}`);
  });
});

describe('SseParser', () => {
  const frames =
    'retry: 3000\n: ready\n\nid: 1\nevent: a\ndata: {"x":1}\n\n: heartbeat\n\nid: 2\nevent: b\ndata: line1\ndata: line2\n\ndata: plain\n\n';
  const expected: SseItem[] = [
    { kind: 'comment', text: 'ready' },
    { kind: 'message', message: { event: 'a', data: '{"x":1}', id: '1' } },
    { kind: 'comment', text: 'heartbeat' },
    { kind: 'message', message: { event: 'b', data: 'line1\nline2', id: '2' } },
    { kind: 'message', message: { event: 'message', data: 'plain' } },
  ];

  test('messages, multi-line data, ids and comments', () => {
    assert.deepEqual(new SseParser().push(frames), expected);
    assert.deepEqual(new SseParser().push(frames.replace(/\n/g, '\r\n')), expected);
  });

  test('property: however the stream is cut into chunks, the same items come out', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: frames.length * 2 }), { maxLength: 30 }),
        fc.boolean(),
        (cuts, crlf) => {
          const text = crlf ? frames.replace(/\n/g, '\r\n') : frames;
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const p = new SseParser();
          const out: SseItem[] = [];
          let last = 0;
          for (const c of [...points, text.length]) {
            out.push(...p.push(text.slice(last, c)));
            last = c;
          }
          assert.deepEqual(out, expected);
        },
      ),
    );
  });
});

describe('EventHub', () => {
  function fakeFacade(): { facade: NodeFacade; emit(e: NodeEvent): void } {
    const listeners = new Set<NodeEventListener>();
    const facade = {
      subscribe(l: NodeEventListener) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    } as unknown as NodeFacade;
    return {
      facade,
      emit: (e) => {
        for (const l of listeners) l(e);
      },
    };
  }
  const sync = (n: number): NodeEvent => ({
    type: 'sync_progress',
    blockHeight: n,
    syncedToChain: true,
    graphNodeCount: 0,
    graphChannelCount: 0,
    syncedToGraph: false,
  });

  test('fans out frames with increasing ids, filters types, replays the kept ones, drops slow clients', () => {
    const { facade, emit } = fakeFacade();
    const hub = new EventHub(facade, 3);
    hub.start();
    const got: string[] = [];
    hub.add({ write: (f) => got.push(f) > 0, close: () => {} });
    const filtered: string[] = [];
    hub.add({ write: (f) => filtered.push(f) > 0, close: () => {}, types: new Set(['invoice_settled']) });
    let closed = false;
    hub.add({
      write: () => false,
      close: () => {
        closed = true;
      },
    });
    for (let i = 1; i <= 5; i++) emit(sync(i));
    assert.equal(got.length, 5);
    assert.equal(
      got[0],
      'id: 1\nevent: sync_progress\ndata: {"type":"sync_progress","blockHeight":1,"syncedToChain":true,"graphNodeCount":0,"graphChannelCount":0,"syncedToGraph":false}\n\n',
    );
    assert.equal(filtered.length, 0);
    assert.equal(closed, true);
    assert.equal(hub.clientCount, 2);
    assert.equal(hub.lastEventId, 5);
    const replay: string[] = [];
    hub.add({ write: (f) => replay.push(f) > 0, close: () => {} }, 1);
    // Only the last 3 are kept: 3, 4, 5.
    assert.deepEqual(
      replay.map((f) => /^id: (\d+)/.exec(f)![1]),
      ['3', '4', '5'],
    );
    hub.stop();
    assert.equal(hub.clientCount, 0);
  });
});

test('TokenChecker: the admin token, the read-only token, anything else', () => {
  const c = new TokenChecker({ admin: 'a'.repeat(64), readonly: 'b'.repeat(64) });
  assert.equal(c.roleOf('a'.repeat(64)), 'admin');
  assert.equal(c.roleOf('b'.repeat(64)), 'readonly');
  for (const t of ['', 'a', 'a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64)])
    assert.equal(c.roleOf(t), undefined, t);
});

describe('CLI formatting', () => {
  test('amounts: sat with msat decimals, both ways', () => {
    assert.equal(satFromMsat('1234567'), '1,234.567 sat');
    assert.equal(satFromMsat('1000000000'), '1,000,000 sat');
    assert.equal(satFromMsat('1100'), '1.1 sat');
    assert.equal(parseSatToMsat('2.5'), 2500n);
    assert.equal(parseSatToMsat('1_000'), 1_000_000n);
    for (const bad of ['', '1.2345', '-1', '1e3', 'abc']) assert.equal(parseSatToMsat(bad), undefined, bad);
  });

  test('liquidity bars and tables', () => {
    assert.equal(liquidityBar('900', '100', 10), '[#########.]');
    assert.equal(liquidityBar('0', '0', 4), '[....]');
    assert.equal(
      table(
        ['name', 'amount'],
        [
          ['a', '1 sat'],
          ['bbb', '1,000 sat'],
        ],
      ),
      'name     amount\n----  ---------\na         1 sat\nbbb   1,000 sat',
    );
    assert.equal(table(['x'], []), '(none)');
  });
});

describe('API JSON', () => {
  test('an attempt left on chain says why it waits', () => {
    const route = {
      hops: [],
      amountMsat: 1000n,
      totalAmountMsat: 1000n,
      totalFeeMsat: 0n,
      totalCltvDelta: 0,
      cltvExpiry: 800_040,
      successProbability: 1,
    };
    const base = {
      attemptNumber: 1,
      status: 'in_flight' as const,
      route,
      failingHop: null,
      failureCode: null,
      createdAt: 1,
      updatedAt: 2,
    };
    const waiting = attemptToJson({ ...base, onChainReason: 'our channel closed with the HTLC in it' });
    assert.equal(ApiJson.AttemptJson.parse(waiting).onChainReason, 'our channel closed with the HTLC in it');
    assert.equal('onChainReason' in attemptToJson(base), false);
  });
});
