// test/api/event-hub.test.ts: the hub listens to the node only while a stream is open, and for a
// grace period after the last one closed (Last-Event-ID replay within it misses nothing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EventClient, EventHub } from '../../src/api/events.js';
import type { NodeEvent, NodeFacade } from '../../src/api/node-facade.js';

/** A facade with only `subscribe`, counting subscriptions. */
function fakeFacade() {
  let listener: ((e: NodeEvent) => void) | undefined;
  const counts = { subscribed: 0, unsubscribed: 0 };
  const facade = {
    subscribe(l: (e: NodeEvent) => void) {
      counts.subscribed++;
      listener = l;
      return () => {
        counts.unsubscribed++;
        listener = undefined;
      };
    },
  } as unknown as NodeFacade;
  const emit = (n: number): boolean => {
    if (listener === undefined) return false;
    listener({
      type: 'peer_changed',
      change: 'connected',
      peer: {
        nodeId: new Uint8Array(33).fill(n),
        address: '127.0.0.1:9735',
        inbound: false,
        connected: true,
        features: [],
        connectedAt: n,
      },
    });
    return true;
  };
  return { facade, counts, emit };
}

function client(): EventClient & { frames: string[] } {
  const frames: string[] = [];
  return { frames, write: (f) => frames.push(f) > 0, close: () => {} };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the hub subscribes when a stream opens and stops listening a grace period after the last closed', async () => {
  const { facade, counts, emit } = fakeFacade();
  const hub = new EventHub(facade, 256, 40);
  hub.start();
  assert.equal(hub.listening, false, 'no stream, no subscription: the node builds no event views');
  assert.equal(emit(1), false);

  const a = client();
  const removeA = hub.add(a);
  assert.equal(hub.listening, true);
  assert.equal(emit(2), true);
  assert.equal(a.frames.length, 1);
  const seen = hub.lastEventId;

  // The client drops; an event within the grace period is kept for its reconnection.
  removeA();
  assert.equal(hub.listening, true, 'still listening during the grace period');
  assert.equal(emit(3), true);
  const back = client();
  const removeBack = hub.add(back, seen);
  assert.equal(back.frames.length, 1, 'the event it missed is replayed');
  assert.match(back.frames[0]!, /"connectedAt":3/);
  removeBack();

  await sleep(80);
  assert.equal(hub.listening, false, 'unsubscribed once the grace period passed');
  assert.deepEqual(counts, { subscribed: 1, unsubscribed: 1 });

  const again = client();
  hub.add(again);
  assert.equal(hub.listening, true, 'a new stream subscribes again');
  assert.equal(counts.subscribed, 2);
  hub.stop();
  assert.equal(hub.listening, false);
  assert.equal(counts.unsubscribed, 2);
});
