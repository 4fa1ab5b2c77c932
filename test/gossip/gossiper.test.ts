// The Gossiper shell, driven with an injected clock and in-memory links: gossip spreads through a
// line of nodes and every graph ends up the same; relay is staggered, deduplicated, filtered and not
// echoed; range + short channel id sync (with the checksum path); pruning; rate limits; spent
// funding; private channels and route hints; our announcements; reload from the store.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bytesToHex } from '../../src/crypto/index.js';
import {
  createAnnouncementSignatures,
  type GossipEvent,
  Gossiper,
  type OurChannel,
} from '../../src/gossip/index.js';
import { ChannelGraph } from '../../src/routing/index.js';
import { openStore } from '../../src/store/index.js';
import { Features, type QueryShortChannelIds, type WireMessage } from '../../src/wire/index.js';
import {
  Clock,
  DEFAULT_POLICY,
  FakeChain,
  gossipFeatures,
  graphSummary,
  MemoryStore,
  Network,
  OTHER_CHAIN,
  ourChannelPair,
  REGTEST,
  scid,
  signedAnnouncement,
  signedNodeAnnouncement,
  signedUpdate,
  TestNode,
} from './helpers.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

function nodeParams(alias: string) {
  return { alias, rgbColor: Uint8Array.of(1, 2, 3), addresses: [], features: Features.empty };
}

/** A gossiper with fake peers: what it sends is recorded per peer. */
function harness(
  extra: { config?: ConstructorParameters<typeof Gossiper>[0]['config']; store?: MemoryStore } = {},
) {
  const clock = new Clock(T0);
  const chain = new FakeChain();
  const me = new TestNode('me');
  const graph = new ChannelGraph();
  const sent: { to: string; msg: WireMessage }[] = [];
  const events: GossipEvent[] = [];
  const g = new Gossiper({
    chainHash: REGTEST,
    signer: me,
    graph,
    clock: clock.now,
    fundingLookup: chain,
    send: (to, msg) => sent.push({ to: bytesToHex(to), msg }),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  const to = (peer: TestNode, kind?: WireMessage['kind']) =>
    sent
      .filter((s) => s.to === bytesToHex(peer.nodeId) && (kind === undefined || s.msg.kind === kind))
      .map((s) => s.msg);
  /** A public channel between two outside nodes, known to the chain, with updates at `ts`. */
  const outside = (a: TestNode, b: TestNode, s: bigint, ts: number | undefined) => {
    const ch = signedAnnouncement(a, b, s);
    chain.add(s, ch.output);
    const ups =
      ts === undefined
        ? []
        : [signedUpdate(ch, ch.node1, { timestamp: ts }), signedUpdate(ch, ch.node2, { timestamp: ts })];
    return { ch, ups };
  };
  return { clock, chain, me, graph, g, sent, events, to, outside };
}

describe('gossip spreads by itself', () => {
  test('four nodes in a line learn every channel and node, and their graphs agree', async () => {
    const net = new Network(new Clock(T0), new FakeChain());
    const names = ['A', 'B', 'C', 'D'];
    for (const n of names) net.add(n);
    for (const n of names) await net.get(n).gossiper.setNodeAnnouncement(nodeParams(`node-${n}`));
    await net.connect('A', 'B');
    await net.connect('B', 'C');
    await net.connect('C', 'D');
    const pairs: [string, string, bigint][] = [
      ['A', 'B', scid(500, 1, 0)],
      ['B', 'C', scid(501, 2, 1)],
      ['C', 'D', scid(502, 3, 0)],
    ];
    for (const [x, y, s] of pairs) {
      const [cx, cy] = ourChannelPair(net, x, y, s);
      await net.get(x).gossiper.upsertOurChannel(cx);
      await net.get(y).gossiper.upsertOurChannel(cy);
    }
    await net.settle();
    // D knows nothing of A-B yet: that takes relays by B... no, by C, which waits for its flush.
    assert.equal(net.get('D').graph.hasChannel(scid(500, 1, 0)), false);
    await net.flushRounds(3);

    const reference = graphSummary(net.get('A').graph);
    assert.equal(reference.filter((l) => l.startsWith('c ')).length, 3);
    assert.equal(reference.filter((l) => l.startsWith('n ')).length, 4);
    // Every channel has both policies and its capacity from the chain.
    for (const l of reference.filter((x) => x.startsWith('c '))) {
      assert.ok(!l.includes(' - '), `a policy is missing: ${l}`);
      assert.ok(l.includes(' 1000000 '), `capacity unknown: ${l}`);
    }
    assert.ok(reference.some((l) => l.includes('node-D')));
    for (const n of names) assert.deepEqual(graphSummary(net.get(n).graph), reference, `graph of ${n}`);
    // The policy each side set: A charges 1000 msat base (first of the pair), B 2000.
    const ab = net.get('D').graph.getChannel(scid(500, 1, 0));
    const aIsNode1 =
      Buffer.compare(Buffer.from(net.get('A').node.nodeId), Buffer.from(net.get('B').node.nodeId)) < 0;
    assert.equal(ab?.policies[aIsNode1 ? 0 : 1]?.feeBaseMsat, 1000n);
    assert.equal(ab?.policies[aIsNode1 ? 1 : 0]?.feeBaseMsat, 2000n);
    assert.equal(ab?.policies[aIsNode1 ? 1 : 0]?.cltvExpiryDelta, 80);
    // No peer ever got a warning.
    assert.equal(net.log.filter((s) => s.msg.kind === 'warning').length, 0);
    // Each node announced its channels once the other's signatures arrived.
    for (const n of names) {
      const announced = net.get(n).events.filter((e) => e.kind === 'our_channel_announced').length;
      assert.equal(announced, n === 'A' || n === 'D' ? 1 : 2, n);
    }
  });
});

describe('relay', () => {
  test('is staggered, keeps only the newest update, puts announcements first, respects filters and origins', async () => {
    const h = harness();
    const [src, all, later, silent, elsewhere] = ['src', 'all', 'later', 'silent', 'elsewhere'].map(
      (n) => new TestNode(n),
    ) as [TestNode, TestNode, TestNode, TestNode, TestNode];
    for (const p of [src, all, later, silent]) await h.g.onPeerConnected(p.nodeId, Features.empty);
    // A peer whose init `networks` do not include our chain.
    await h.g.onPeerConnected(elsewhere.nodeId, Features.empty, [OTHER_CHAIN]);
    const anything = { chainHash: REGTEST, firstTimestamp: 0, timestampRange: 0xffff_ffff };
    await h.g.onMessage(elsewhere.nodeId, { kind: 'gossip_timestamp_filter', ...anything });
    const nowSec = h.clock.sec;
    await h.g.onMessage(all.nodeId, {
      kind: 'gossip_timestamp_filter',
      chainHash: REGTEST,
      firstTimestamp: 0,
      timestampRange: 0xffff_ffff,
    });
    await h.g.onMessage(src.nodeId, {
      kind: 'gossip_timestamp_filter',
      chainHash: REGTEST,
      firstTimestamp: 0,
      timestampRange: 0xffff_ffff,
    });
    await h.g.onMessage(later.nodeId, {
      kind: 'gossip_timestamp_filter',
      chainHash: REGTEST,
      firstTimestamp: nowSec + 10_000,
      timestampRange: 1000,
    });
    const n1 = new TestNode('n1');
    const n2 = new TestNode('n2');
    const { ch } = h.outside(n1, n2, scid(600, 1, 0), undefined);
    const first = signedUpdate(ch, ch.node1, { timestamp: nowSec - 10 });
    const second = signedUpdate(ch, ch.node1, { timestamp: nowSec - 5, feeBaseMsat: 7 });
    const other = signedUpdate(ch, ch.node2, { timestamp: nowSec - 7 });
    const na = signedNodeAnnouncement(n1, nowSec - 3);
    h.sent.length = 0;
    for (const m of [ch.msg, first, second, other, na]) {
      assert.equal((await h.g.onMessage(src.nodeId, m)).kind, 'accepted', m.kind);
    }
    // Old news is not news: a stale repeat is ignored.
    assert.deepEqual(await h.g.onMessage(src.nodeId, first), {
      kind: 'ignored',
      reason: 'stale_timestamp',
      detail: `timestamp ${nowSec - 10} is before ${nowSec - 5}`,
    });
    assert.equal(h.sent.length, 0, 'nothing is relayed before the flush');
    h.clock.advance(59_999);
    await h.g.tick();
    assert.equal(h.sent.length, 0);
    h.clock.advance(1);
    await h.g.tick();
    const kinds = h
      .to(all)
      .map((m) => (m.kind === 'channel_update' ? `cu${m.channelFlags & 1}:${m.feeBaseMsat}` : m.kind));
    assert.deepEqual(kinds, ['channel_announcement', 'cu0:7', 'cu1:1000', 'node_announcement']);
    assert.equal(h.to(src).length, 0, 'not echoed to the origin');
    assert.equal(h.to(later).length, 0, 'outside the filter');
    assert.equal(h.to(silent).length, 0, 'no filter, no gossip');
    assert.equal(h.to(elsewhere).length, 0, 'not on our chain');
    assert.equal(h.g.stats().queued, 0);
    // The next flush has nothing left to send.
    h.clock.advance(60_000);
    await h.g.tick();
    assert.equal(h.to(all).length, 4);
  });

  test('gossip_timestamp_filter gets what we hold in range at once', async () => {
    const h = harness();
    const src = new TestNode('src');
    const peer = new TestNode('peer');
    await h.g.onPeerConnected(src.nodeId, Features.empty);
    const nowSec = h.clock.sec;
    const { ch, ups } = h.outside(new TestNode('x'), new TestNode('y'), scid(601, 0, 0), nowSec - 100);
    for (const m of [ch.msg, ...ups]) await h.g.onMessage(src.nodeId, m);
    await h.g.onPeerConnected(peer.nodeId, gossipFeatures());
    h.sent.length = 0;
    await h.g.onMessage(peer.nodeId, {
      kind: 'gossip_timestamp_filter',
      chainHash: REGTEST,
      firstTimestamp: nowSec - 200,
      timestampRange: 1000,
    });
    assert.deepEqual(
      h.to(peer).map((m) => m.kind),
      ['channel_announcement', 'channel_update', 'channel_update'],
    );
    h.sent.length = 0;
    await h.g.onMessage(peer.nodeId, {
      kind: 'gossip_timestamp_filter',
      chainHash: REGTEST,
      firstTimestamp: nowSec,
      timestampRange: 1000,
    });
    assert.equal(h.to(peer).length, 0);
  });
});

describe('sync by channel range and short channel ids', () => {
  test('a new node fetches what it lacks, skipping updates whose checksum matches', async () => {
    const clock = new Clock(T0);
    const net = new Network(clock, new FakeChain());
    const server = net.add('S');
    // A tiny rate limit: what the client asked for is not limited.
    const client = net.add('K', { config: { rateLimit: { burst: 12, perSecond: 0.001 } } });
    const feeder = new TestNode('feeder');
    await server.gossiper.onPeerConnected(feeder.nodeId, Features.empty);
    await client.gossiper.onPeerConnected(feeder.nodeId, Features.empty);
    const nowSec = clock.sec;
    const others = Array.from({ length: 6 }, (_, i) => new TestNode(`o${i}`));
    const scids: bigint[] = [];
    const serverUpdates = new Map<bigint, WireMessage[]>();
    for (let i = 0; i < 12; i++) {
      const s = scid(700 + i, i, 0);
      scids.push(s);
      const ch = signedAnnouncement(others[i % 6] as TestNode, others[(i + 1) % 6] as TestNode, s);
      net.chain.add(s, ch.output);
      const ups = [
        signedUpdate(ch, ch.node1, { timestamp: nowSec - 1000 }),
        signedUpdate(ch, ch.node2, { timestamp: nowSec - 1000, feeBaseMsat: 3000 }),
      ];
      serverUpdates.set(s, ups);
      for (const m of [ch.msg, ...ups])
        assert.equal((await server.gossiper.onMessage(feeder.nodeId, m)).kind, 'accepted');
      if (i < 4) {
        // The client already knows channels 0-3, with older updates: 0 and 1 carry the same policy
        // (same checksum), 2 and 3 an older policy (different checksum).
        const same = i < 2;
        const old = [
          signedUpdate(ch, ch.node1, { timestamp: nowSec - 2000 }),
          signedUpdate(ch, ch.node2, { timestamp: nowSec - 2000, feeBaseMsat: same ? 3000 : 1 }),
        ];
        for (const m of [ch.msg, ...old])
          assert.equal((await client.gossiper.onMessage(feeder.nodeId, m)).kind, 'accepted');
      }
    }
    for (const o of others)
      await server.gossiper.onMessage(feeder.nodeId, signedNodeAnnouncement(o, nowSec - 500));
    await net.connect('S', 'K');
    await net.settle();

    const queries = net.sent('K', 'S', 'query_short_channel_ids') as QueryShortChannelIds[];
    assert.equal(queries.length, 1);
    const q = queries[0] as QueryShortChannelIds;
    const asked = new Map(q.encodedShortIds.values.map((s, i) => [s, q.tlvs?.queryFlags?.values[i]]));
    assert.equal(asked.has(scids[0] as bigint), false, 'same checksum: not asked');
    assert.equal(asked.has(scids[1] as bigint), false);
    // Channel 2: node 1's update carries the same policy (skipped), node 2's changed (asked).
    assert.equal(asked.get(scids[2] as bigint), 4n, 'different checksum: that update asked');
    assert.equal(asked.get(scids[4] as bigint), 31n, 'unknown: everything');
    assert.equal(asked.size, 10);
    assert.ok(client.events.some((e) => e.kind === 'sync_done'));

    assert.deepEqual(client.gossiper.shortChannelIds(), scids);
    assert.deepEqual(graphSummary(client.graph), graphSummary(server.graph));
    // Channel 0 kept its older (equal) update; channel 2 got the server's.
    assert.equal(client.gossiper.channel(scids[0] as bigint)?.updates[0]?.timestamp, nowSec - 2000);
    assert.equal(client.gossiper.channel(scids[2] as bigint)?.updates[1]?.timestamp, nowSec - 1000);
    assert.equal(net.log.filter((s) => s.msg.kind === 'warning').length, 0);
  });

  test('without gossip_queries_ex the client asks only for unknown channels, without flags', async () => {
    const clock = new Clock(T0);
    const net = new Network(clock, new FakeChain());
    const server = net.add('S');
    const client = net.add('K');
    const feeder = new TestNode('feeder');
    await server.gossiper.onPeerConnected(feeder.nodeId, Features.empty);
    const a = new TestNode('a');
    const b = new TestNode('b');
    for (let i = 0; i < 3; i++) {
      const ch = signedAnnouncement(a, b, scid(800, i, 0));
      net.chain.add(ch.msg.shortChannelId, ch.output);
      for (const m of [ch.msg, signedUpdate(ch, ch.node1, { timestamp: clock.sec - 10 })]) {
        await server.gossiper.onMessage(feeder.nodeId, m);
      }
    }
    await net.connect('S', 'K', gossipFeatures(false));
    await net.settle();
    const q = net.sent('K', 'S', 'query_short_channel_ids') as QueryShortChannelIds[];
    assert.equal(q.length, 1);
    assert.equal(q[0]?.tlvs, undefined);
    assert.equal(client.gossiper.stats().channels, 3);
    assert.deepEqual(graphSummary(client.graph), graphSummary(server.graph));
  });
});

describe('pruning and closing', () => {
  test('stale channels go, fresh and young ones and our own stay', async () => {
    const store = new MemoryStore();
    const h = harness({ store });
    const src = new TestNode('src');
    await h.g.onPeerConnected(src.nodeId, Features.empty);
    const t0 = h.clock.sec;
    const ns = Array.from({ length: 8 }, (_, i) => new TestNode(`p${i}`));
    const x = h.outside(ns[0] as TestNode, ns[1] as TestNode, scid(900, 0, 0), t0);
    const y = h.outside(ns[2] as TestNode, ns[3] as TestNode, scid(900, 1, 0), t0);
    const z = h.outside(ns[4] as TestNode, ns[5] as TestNode, scid(900, 2, 0), undefined);
    for (const m of [x.ch.msg, ...x.ups, y.ch.msg, ...y.ups, z.ch.msg]) await h.g.onMessage(src.nodeId, m);
    await h.g.onMessage(src.nodeId, signedNodeAnnouncement(ns[2] as TestNode, t0));
    h.clock.advance(10 * DAY);
    const t1 = h.clock.sec;
    const w = h.outside(ns[6] as TestNode, ns[7] as TestNode, scid(900, 3, 0), undefined);
    const fresh = [
      signedUpdate(x.ch, x.ch.node1, { timestamp: t1 }),
      signedUpdate(x.ch, x.ch.node2, { timestamp: t1 }),
      signedUpdate(z.ch, z.ch.node1, { timestamp: t1 }),
      w.ch.msg,
      signedUpdate(w.ch, w.ch.node1, { timestamp: t1 }),
    ];
    for (const m of fresh) assert.equal((await h.g.onMessage(src.nodeId, m)).kind, 'accepted');
    await h.g.persist();
    assert.ok(store.kv('gossip').map.has(`c/${scid(900, 1, 0).toString(16).padStart(16, '0')}`));
    h.clock.advance(5 * DAY);
    assert.deepEqual(await h.g.prune(), [scid(900, 1, 0), scid(900, 2, 0)]);
    await h.g.persist();
    assert.deepEqual(h.g.shortChannelIds(), [scid(900, 0, 0), scid(900, 3, 0)]);
    assert.equal(h.graph.hasChannel(scid(900, 1, 0)), false);
    assert.equal(h.graph.hasChannel(scid(900, 0, 0)), true);
    const keys = [...store.kv('gossip').map.keys()];
    assert.ok(!keys.some((k) => k.includes(scid(900, 1, 0).toString(16))), 'stored records deleted');
    assert.equal(h.g.nodeAnnouncement((ns[2] as TestNode).nodeId), undefined, 'orphaned node forgotten');
    assert.ok(h.events.some((e) => e.kind === 'pruned' && e.shortChannelIds.length === 2));
  });

  test('a spent funding output removes the channel; an announcement of a spent output is refused', async () => {
    const h = harness();
    const src = new TestNode('src');
    await h.g.onPeerConnected(src.nodeId, Features.empty);
    const x = h.outside(new TestNode('q1'), new TestNode('q2'), scid(910, 0, 0), h.clock.sec);
    for (const m of [x.ch.msg, ...x.ups]) await h.g.onMessage(src.nodeId, m);
    assert.equal(h.graph.hasChannel(scid(910, 0, 0)), true);
    await h.g.fundingSpent(scid(910, 0, 0));
    assert.equal(h.graph.hasChannel(scid(910, 0, 0)), false);
    assert.equal(h.g.stats().queued, 0, 'its queued relays are dropped');
    h.chain.outputs.set(scid(910, 0, 0), 'spent');
    assert.deepEqual(await h.g.onMessage(src.nodeId, x.ch.msg), {
      kind: 'ignored',
      reason: 'funding_spent',
      detail: 'the funding output is spent',
    });
    const y = signedAnnouncement(new TestNode('q3'), new TestNode('q4'), scid(910, 1, 0));
    assert.equal(((await h.g.onMessage(src.nodeId, y.msg)) as { reason: string }).reason, 'funding_unknown');
  });
});

describe('peer limits and warnings', () => {
  test('a peer that floods is rate limited, then allowed again', async () => {
    const h = harness({ config: { rateLimit: { burst: 3, perSecond: 1 } } });
    const src = new TestNode('src');
    await h.g.onPeerConnected(src.nodeId, Features.empty);
    const x = h.outside(new TestNode('r1'), new TestNode('r2'), scid(920, 0, 0), undefined);
    const ups = [0, 1, 2, 3].map((i) => signedUpdate(x.ch, x.ch.node1, { timestamp: h.clock.sec - 100 + i }));
    const kinds = [];
    for (const m of [x.ch.msg, ...ups])
      kinds.push((await h.g.onMessage(src.nodeId, m)) as { kind: string; reason?: string });
    assert.deepEqual(
      kinds.map((k) => k.reason ?? k.kind),
      ['accepted', 'accepted', 'accepted', 'rate_limited', 'rate_limited'],
    );
    h.clock.advance(2000);
    assert.equal((await h.g.onMessage(src.nodeId, ups[3] as WireMessage)).kind, 'accepted');
    // Queries are not gossip to verify: not limited.
    assert.equal(
      (
        await h.g.onMessage(src.nodeId, {
          kind: 'query_channel_range',
          chainHash: REGTEST,
          firstBlocknum: 0,
          numberOfBlocks: 10,
        })
      ).kind,
      'handled',
    );
  });

  test('a bad signature earns the peer a warning message', async () => {
    const h = harness();
    const src = new TestNode('src');
    await h.g.onPeerConnected(src.nodeId, Features.empty);
    const x = h.outside(new TestNode('s1'), new TestNode('s2'), scid(930, 0, 0), undefined);
    await h.g.onMessage(src.nodeId, x.ch.msg);
    const forged = signedUpdate(x.ch, x.ch.node1, { timestamp: h.clock.sec }, src);
    const out = await h.g.onMessage(src.nodeId, forged);
    assert.equal(out.kind, 'warning');
    const warnings = h.to(src, 'warning');
    assert.equal(warnings.length, 1);
    assert.match(new TextDecoder().decode((warnings[0] as { data: Uint8Array }).data), /signature/);
    assert.equal(
      (await h.g.onMessage(src.nodeId, { kind: 'ping', numPongBytes: 0, ignored: new Uint8Array(0) })).kind,
      'not_gossip',
    );
    const stranger = new TestNode('stranger');
    assert.equal(
      ((await h.g.onMessage(stranger.nodeId, x.ch.msg)) as { reason: string }).reason,
      'peer_not_connected',
    );
  });
});

describe('our channels', () => {
  test('private channels: updates go to the peer only, and become route hints', async () => {
    const net = new Network(new Clock(T0), new FakeChain());
    for (const n of ['A', 'B', 'C']) net.add(n);
    await net.connect('A', 'B');
    await net.connect('B', 'C');
    const s = scid(1000, 1, 1);
    const [ca, cb] = ourChannelPair(net, 'A', 'B', s, { announce: false });
    await net.get('A').gossiper.upsertOurChannel(ca);
    await net.get('B').gossiper.upsertOurChannel(cb);
    await net.settle();
    await net.flushRounds(2);
    const fromB = net.get('A').gossiper.peerUpdate(s);
    assert.equal(fromB?.feeBaseMsat, 2000);
    assert.equal(fromB?.messageFlags, 3, 'must_be_one and dont_forward');
    assert.equal(net.log.filter((m) => m.msg.kind === 'announcement_signatures').length, 0);
    assert.equal(net.sent('B', 'C').filter((m) => m.kind === 'channel_update').length, 0, 'never relayed');
    for (const n of ['A', 'B', 'C']) assert.equal(net.get(n).graph.hasChannel(s), false);
    assert.deepEqual(net.get('A').gossiper.routeHints(), [
      [
        {
          pubkey: net.get('B').node.nodeId,
          shortChannelId: s,
          feeBaseMsat: 2000n,
          feeProportionalMillionths: 100,
          cltvExpiryDelta: 80,
        },
      ],
    ]);
    // The peer going away makes the hint inactive.
    await net.disconnect('A', 'B');
    assert.deepEqual(net.get('A').gossiper.routeHints(), []);
  });

  test('announcement_signatures: a bad one gets a warning, a good one completes the announcement', async () => {
    const h = harness();
    const peer = new TestNode('peer');
    const s = scid(1100, 2, 0);
    const mine = h.me.fundingKey('x');
    const theirs = peer.fundingKey('x');
    const channelId = new Uint8Array(32).fill(9);
    const ch: OurChannel = {
      channelId,
      shortChannelId: s,
      peerNodeId: peer.nodeId,
      announce: true,
      usable: true,
      announcementReady: false,
      ourFundingPubkey: mine.pub,
      theirFundingPubkey: theirs.pub,
      capacitySat: 1_000_000n,
      policy: { ...DEFAULT_POLICY },
      disabled: false,
    };
    await h.g.onPeerConnected(peer.nodeId, gossipFeatures());
    await h.g.setNodeAnnouncement(nodeParams('me'));
    await h.g.upsertOurChannel(ch);
    // Usable but not deep enough: a private update to the peer, no signatures yet.
    assert.deepEqual(
      h.to(peer).map((m) => m.kind),
      ['gossip_timestamp_filter', 'query_channel_range', 'channel_update'],
    );
    const params = {
      chainHash: REGTEST,
      shortChannelId: s,
      ourNodeId: peer.nodeId,
      theirNodeId: h.me.nodeId,
      ourFundingPubkey: theirs.pub,
      theirFundingPubkey: mine.pub,
    };
    const good = createAnnouncementSignatures(params, channelId, peer);
    const bad = { ...good, bitcoinSignature: good.nodeSignature };
    assert.equal(
      ((await h.g.onMessage(peer.nodeId, bad)) as { reason: string }).reason,
      'invalid_announcement_signatures',
    );
    const w = h.to(peer, 'warning')[0] as { channelId: Uint8Array };
    assert.deepEqual(w.channelId, channelId);
    // Early but valid: kept until we are ready.
    assert.equal((await h.g.onMessage(peer.nodeId, good)).kind, 'handled');
    assert.equal(h.g.stats().channels, 0);
    h.sent.length = 0;
    h.clock.advance(600_000);
    await h.g.upsertOurChannel({ ...ch, announcementReady: true });
    assert.deepEqual(
      h.to(peer).map((m) => m.kind),
      ['announcement_signatures', 'channel_announcement', 'channel_update', 'node_announcement'],
    );
    assert.ok(h.events.some((e) => e.kind === 'our_channel_announced' && e.shortChannelId === s));
    assert.equal(h.graph.hasChannel(s), true);
    const pub = h.to(peer, 'channel_update')[0] as { messageFlags: number; timestamp: number };
    assert.equal(pub.messageFlags, 1, 'public now');
    // A repeat from the peer (e.g. after reconnecting) is answered with ours again.
    await h.g.onPeerDisconnected(peer.nodeId);
    await h.g.onPeerConnected(peer.nodeId, gossipFeatures());
    h.sent.length = 0;
    await h.g.onMessage(peer.nodeId, good);
    assert.deepEqual(
      h.to(peer).map((m) => m.kind),
      ['announcement_signatures'],
    );
  });

  test('a policy change is re-announced at once, and updates are refreshed before they go stale', async () => {
    const net = new Network(new Clock(T0), new FakeChain());
    for (const n of ['A', 'B']) net.add(n);
    await net.connect('A', 'B');
    const s = scid(1200, 0, 0);
    const [ca, cb] = ourChannelPair(net, 'A', 'B', s);
    await net.get('A').gossiper.upsertOurChannel(ca);
    await net.get('B').gossiper.upsertOurChannel(cb);
    await net.settle();
    const dirA =
      Buffer.compare(Buffer.from(net.get('A').node.nodeId), Buffer.from(net.get('B').node.nodeId)) < 0
        ? 0
        : 1;
    const tsOf = () => net.get('B').gossiper.channel(s)?.updates[dirA]?.timestamp ?? 0;
    const t1 = tsOf();
    assert.ok(t1 > 0);
    // Same second, new fee: a new update with a larger timestamp, at once.
    await net.get('A').gossiper.upsertOurChannel({ ...ca, policy: { ...ca.policy, feeBaseMsat: 5000n } });
    await net.settle();
    assert.equal(tsOf(), t1 + 1);
    assert.equal(net.get('B').graph.getPolicy(s, dirA)?.feeBaseMsat, 5000n);
    // Same policy again: nothing new.
    await net.get('A').gossiper.upsertOurChannel({ ...ca, policy: { ...ca.policy, feeBaseMsat: 5000n } });
    await net.settle();
    assert.equal(tsOf(), t1 + 1);
    // A week later the tick re-signs it.
    net.clock.advance(7 * DAY - 100_000);
    await net.flushRounds(1);
    assert.equal(tsOf(), t1 + 1, 'not yet');
    await net.flushRounds(1);
    assert.equal(tsOf(), net.clock.sec);
    // Disabling is a change too.
    await net
      .get('A')
      .gossiper.upsertOurChannel({ ...ca, policy: { ...ca.policy, feeBaseMsat: 5000n }, disabled: true });
    await net.settle();
    assert.equal(net.get('B').graph.getPolicy(s, dirA)?.disabled, true);
  });
});

describe('store', () => {
  test('gossip survives a restart on SQLite, and our timestamps keep increasing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ksnode-gossip-'));
    try {
      const clock = new Clock(T0);
      const net = new Network(clock, new FakeChain());
      const store1 = await openStore({ kind: 'sqlite', dataDir: dir });
      const a = net.add('A', { store: store1 });
      net.add('B');
      const feeder = new TestNode('feeder');
      await a.gossiper.onPeerConnected(feeder.nodeId, Features.empty);
      await a.gossiper.setNodeAnnouncement(nodeParams('alpha'));
      await net.connect('A', 'B');
      const [ca, cb] = ourChannelPair(net, 'A', 'B', scid(1300, 0, 0));
      const [pa, pb] = ourChannelPair(net, 'A', 'B', scid(1300, 1, 0), { announce: false });
      for (const [g, c] of [
        [a.gossiper, ca],
        [net.get('B').gossiper, cb],
        [a.gossiper, pa],
        [net.get('B').gossiper, pb],
      ] as const) {
        await g.upsertOurChannel(c);
      }
      await net.settle();
      const x = signedAnnouncement(new TestNode('u1'), new TestNode('u2'), scid(1301, 0, 0));
      net.chain.add(x.msg.shortChannelId, x.output);
      for (const m of [
        x.msg,
        signedUpdate(x, x.node1, { timestamp: clock.sec - 5 }),
        signedNodeAnnouncement(x.node1, clock.sec - 4),
      ]) {
        assert.equal((await a.gossiper.onMessage(feeder.nodeId, m)).kind, 'accepted');
      }
      await a.gossiper.persist();
      const before = graphSummary(a.graph);
      const ourTs = a.gossiper.channel(scid(1300, 0, 0))?.updates;
      const privateFromB = a.gossiper.peerUpdate(scid(1300, 1, 0));
      await store1.close();

      // Restart, with a clock that went backwards.
      clock.ms = T0 - DAY;
      const store2 = await openStore({ kind: 'sqlite', dataDir: dir });
      const graph2 = new ChannelGraph();
      const sent: WireMessage[] = [];
      const g2 = new Gossiper({
        chainHash: REGTEST,
        signer: a.node,
        graph: graph2,
        clock: clock.now,
        store: store2,
        send: (_to, msg) => sent.push(msg),
      });
      const report = await g2.load();
      assert.deepEqual(report, { channels: 2, updates: 3, nodes: 2, dropped: 0 });
      assert.deepEqual(graphSummary(graph2), before);
      assert.deepEqual(g2.channel(scid(1300, 0, 0))?.updates, ourTs);
      await g2.upsertOurChannel(pa);
      assert.deepEqual(g2.peerUpdate(scid(1300, 1, 0)), privateFromB);
      // Our next update of the public channel is newer than the stored one despite the clock.
      await g2.upsertOurChannel(ca);
      await g2.upsertOurChannel({ ...ca, policy: { ...ca.policy, feeProportionalMillionths: 1 } });
      const dirA =
        Buffer.compare(Buffer.from(a.node.nodeId), Buffer.from(net.get('B').node.nodeId)) < 0 ? 0 : 1;
      const newTs = g2.channel(scid(1300, 0, 0))?.updates[dirA]?.timestamp ?? 0;
      assert.equal(newTs, (ourTs?.[dirA]?.timestamp ?? 0) + 1);
      await store2.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('node announcement settings BOLT 7 forbids are refused up front', async () => {
  const h = harness();
  await assert.rejects(
    h.g.setNodeAnnouncement({
      ...nodeParams('x'),
      addresses: [{ type: 'ipv4', addr: new Uint8Array(4), port: 0 }],
    }),
    /port 0/,
  );
  // The queue goes on.
  await h.g.setNodeAnnouncement(nodeParams('fine'));
  assert.equal(h.g.stats().nodes, 0, 'not announced without a public channel');
});
