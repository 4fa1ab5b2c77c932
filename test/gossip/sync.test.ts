// Gossip sync, the pure parts: reply_channel_range splitting within the message size limit, the
// answers to query_short_channel_ids (with the extended query flags), what a
// gossip_timestamp_filter selects, and the asking side fed with the extended-queries vectors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { hexToBytes } from '../../src/crypto/index.js';
import {
  answerQueryShortChannelIds,
  GossipDb,
  MAX_MESSAGE_LENGTH,
  maxScidsPerReply,
  messagesForTimestampFilter,
  RangeSync,
  replyChannelRange,
  storedUpdate,
  wantUpdate,
} from '../../src/gossip/index.js';
import {
  type ChannelAnnouncement,
  type ChannelUpdate,
  decodeMessage,
  encodeMessage,
  type QueryChannelRange,
  type QueryShortChannelIds,
  type ReplyChannelRange,
  type WireMessage,
} from '../../src/wire/index.js';
import {
  OTHER_CHAIN,
  REGTEST,
  scid,
  signedAnnouncement,
  signedNodeAnnouncement,
  signedUpdate,
  TestNode,
} from './helpers.js';

const nodes = Array.from({ length: 4 }, (_, i) => new TestNode(`sync${i}`));

/** A db entry without signatures: the answering side never re-verifies what it stored. */
function fakeChannel(db: GossipDb, s: bigint, ts: [number, number] | undefined, chainHash = REGTEST): void {
  const [a, b] = [nodes[0] as TestNode, nodes[1] as TestNode];
  const zero = new Uint8Array(64);
  const msg: ChannelAnnouncement = {
    kind: 'channel_announcement',
    nodeSignature1: zero,
    nodeSignature2: zero,
    bitcoinSignature1: zero,
    bitcoinSignature2: zero,
    features: new Uint8Array(0),
    chainHash,
    shortChannelId: s,
    nodeId1: a.nodeId,
    nodeId2: b.nodeId,
    bitcoinKey1: a.nodeId,
    bitcoinKey2: b.nodeId,
  };
  const upd = (d: 0 | 1, t: number): ChannelUpdate => ({
    kind: 'channel_update',
    signature: zero,
    chainHash,
    shortChannelId: s,
    timestamp: t,
    messageFlags: 1,
    channelFlags: d,
    cltvExpiryDelta: 40,
    htlcMinimumMsat: 1n,
    feeBaseMsat: d,
    feeProportionalMillionths: 1,
    htlcMaximumMsat: 1000n,
  });
  const updates: [ReturnType<typeof storedUpdate> | undefined, ReturnType<typeof storedUpdate> | undefined] =
    [undefined, undefined];
  if (ts !== undefined) {
    updates[0] = storedUpdate(upd(0, ts[0]), encodeMessage(upd(0, ts[0])));
    updates[1] = storedUpdate(upd(1, ts[1]), encodeMessage(upd(1, ts[1])));
  }
  db.addChannel({ msg, raw: encodeMessage(msg), capacitySat: undefined, receivedAtSec: 0, updates });
}

function query(first: number, num: number, option?: bigint): QueryChannelRange {
  const q: QueryChannelRange = {
    kind: 'query_channel_range',
    chainHash: REGTEST,
    firstBlocknum: first,
    numberOfBlocks: num,
  };
  if (option !== undefined) q.tlvs = { queryOption: option };
  return q;
}

/** The BOLT 7 rules for a sequence of replies to `q`. */
function checkReplies(q: QueryChannelRange, replies: ReplyChannelRange[]): bigint[] {
  assert.ok(replies.length >= 1);
  const first = replies[0] as ReplyChannelRange;
  assert.ok(first.firstBlocknum <= q.firstBlocknum);
  assert.ok(first.firstBlocknum + first.numberOfBlocks > q.firstBlocknum);
  let prevFirst = -1;
  const all: bigint[] = [];
  replies.forEach((r, i) => {
    assert.ok(r.firstBlocknum >= prevFirst);
    prevFirst = r.firstBlocknum;
    assert.ok(r.numberOfBlocks >= 1);
    assert.equal(r.syncComplete, i === replies.length - 1 ? 1 : 0);
    for (const s of r.encodedShortIds.values) {
      const block = Number(s >> 40n);
      assert.ok(
        block >= r.firstBlocknum && block < r.firstBlocknum + r.numberOfBlocks,
        `scid ${s} outside its reply`,
      );
      all.push(s);
    }
    assert.ok(encodeMessage(r).length <= MAX_MESSAGE_LENGTH);
  });
  const last = replies[replies.length - 1] as ReplyChannelRange;
  assert.ok(
    last.firstBlocknum + last.numberOfBlocks >= Math.min(q.firstBlocknum + q.numberOfBlocks, 0xffff_ffff),
  );
  return all;
}

describe('reply_channel_range', () => {
  const db = new GossipDb();
  // Blocks 100..109, block 105 holding 7 channels, others 1 or 2.
  const expected: bigint[] = [];
  for (let b = 100; b < 110; b++) {
    const n = b === 105 ? 7 : (b % 2) + 1;
    for (let t = 0; t < n; t++) {
      fakeChannel(db, scid(b, t, 0), [1000 + b, 2000 + b]);
      expected.push(scid(b, t, 0));
    }
  }

  test('splits at block boundaries, and inside a block only when it alone is too big', () => {
    const q = query(50, 100);
    const r = replyChannelRange(db, q, REGTEST, 4);
    assert.ok(r.ok);
    const all = checkReplies(q, r.value);
    assert.deepEqual(all, expected);
    for (const reply of r.value) {
      const blocks = new Set(reply.encodedShortIds.values.map((s) => Number(s >> 40n)));
      if (blocks.has(105)) continue;
      // Whole blocks only: every block in the reply is complete.
      for (const b of blocks) {
        const inDb = expected.filter((s) => Number(s >> 40n) === b).length;
        assert.equal(reply.encodedShortIds.values.filter((s) => Number(s >> 40n) === b).length, inDb);
      }
    }
    const at105 = r.value.filter((x) => x.encodedShortIds.values.some((s) => Number(s >> 40n) === 105));
    assert.ok(at105.length >= 2, 'block 105 (7 channels) is split across replies of at most 4');
  });

  test('a sub-range, an empty range, and one reply when everything fits', () => {
    const q = query(103, 3);
    const r = replyChannelRange(db, q, REGTEST);
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    assert.deepEqual(
      checkReplies(q, r.value),
      expected.filter((s) => s >> 40n >= 103n && s >> 40n < 106n),
    );
    const empty = replyChannelRange(db, query(0, 10), REGTEST);
    assert.ok(empty.ok);
    assert.deepEqual(
      empty.value.map((x) => [
        x.firstBlocknum,
        x.numberOfBlocks,
        x.syncComplete,
        x.encodedShortIds.values.length,
      ]),
      [[0, 10, 1, 0]],
    );
    const whole = replyChannelRange(db, query(0, 0xffff_ffff), REGTEST);
    assert.ok(whole.ok);
    assert.deepEqual(checkReplies(query(0, 0xffff_ffff), whole.value), expected);
  });

  test('timestamps and checksums follow the short channel ids', () => {
    const r = replyChannelRange(db, query(100, 1, 3n), REGTEST);
    assert.ok(r.ok);
    const reply = r.value[0] as ReplyChannelRange;
    assert.deepEqual(reply.tlvs?.timestampsTlv?.values, [{ timestampNodeId1: 1100, timestampNodeId2: 2100 }]);
    const ch = db.channels.get(scid(100, 0, 0));
    assert.deepEqual(reply.tlvs?.checksumsTlv, [
      { checksumNodeId1: ch?.updates[0]?.checksum, checksumNodeId2: ch?.updates[1]?.checksum },
    ]);
    assert.notEqual(ch?.updates[0]?.checksum, ch?.updates[1]?.checksum);
  });

  test('another chain gets one empty reply, number_of_blocks 0 is refused', () => {
    const r = replyChannelRange(db, { ...query(0, 1000), chainHash: OTHER_CHAIN }, REGTEST);
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    assert.equal(r.value[0]?.syncComplete, 0);
    assert.equal(r.value[0]?.encodedShortIds.values.length, 0);
    const z = replyChannelRange(db, query(5, 0), REGTEST);
    assert.equal(z.ok, false);
  });

  test('full replies stay within 65535 bytes', () => {
    const big = new GossipDb();
    const n = 6000;
    for (let i = 0; i < n; i++) fakeChannel(big, scid(1000 + i, 1, 0), [5, 6]);
    const perReply = maxScidsPerReply(true, true);
    assert.equal(perReply, 2728);
    const q = query(0, 0xffff_ffff, 3n);
    const r = replyChannelRange(big, q, REGTEST);
    assert.ok(r.ok);
    assert.equal(r.value.length, Math.ceil(n / perReply));
    assert.equal(checkReplies(q, r.value).length, n);
    const sizes = r.value.map((x) => encodeMessage(x).length);
    assert.ok((sizes[0] as number) > MAX_MESSAGE_LENGTH - 24, `first reply is full: ${sizes[0]}`);
    assert.equal(maxScidsPerReply(false, false), Math.floor((MAX_MESSAGE_LENGTH - 46) / 8));
  });
});

describe('query_short_channel_ids', () => {
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  const db = new GossipDb();
  const chans = [scid(10, 0, 0), scid(10, 1, 0), scid(11, 0, 0)].map((s, i) => {
    const ch = signedAnnouncement(i === 2 ? b : a, i === 2 ? c : b, s);
    const u1 = signedUpdate(ch, ch.node1, { timestamp: 100 + i });
    const u2 = signedUpdate(ch, ch.node2, { timestamp: 200 + i });
    db.addChannel({
      msg: ch.msg,
      raw: encodeMessage(ch.msg),
      capacitySat: undefined,
      receivedAtSec: 0,
      updates: [storedUpdate(u1, encodeMessage(u1)), storedUpdate(u2, encodeMessage(u2))],
    });
    return ch;
  });
  for (const n of [a, b, c]) {
    const na = signedNodeAnnouncement(n, 50);
    db.setNode({ msg: na, raw: encodeMessage(na), relayable: true });
  }
  const q = (ids: bigint[], flags?: bigint[]): QueryShortChannelIds => {
    const m: QueryShortChannelIds = {
      kind: 'query_short_channel_ids',
      chainHash: REGTEST,
      encodedShortIds: { encoding: 'uncompressed', values: ids },
    };
    if (flags !== undefined) m.tlvs = { queryFlags: { encoding: 'uncompressed', values: flags } };
    return m;
  };
  const describeMsgs = (ms: WireMessage[]) =>
    ms.map((m) => {
      switch (m.kind) {
        case 'channel_announcement':
          return `ca ${m.shortChannelId}`;
        case 'channel_update':
          return `cu ${m.shortChannelId}/${m.channelFlags & 1}`;
        case 'node_announcement':
          return `na ${[a, b, c].findIndex((n) => Buffer.from(n.nodeId).equals(Buffer.from(m.nodeId)))}`;
        case 'reply_short_channel_ids_end':
          return `end ${m.fullInformation}`;
        default:
          return m.kind;
      }
    });

  test('the query flags of the extended-queries vector pick exactly what they ask for', () => {
    // As in the vector: flags 1 (announcement), 2 (update of node 1), 4 (update of node 2).
    const r = answerQueryShortChannelIds(
      db,
      q(
        chans.map((x) => x.msg.shortChannelId),
        [1n, 2n, 4n],
      ),
      REGTEST,
    );
    assert.ok(r.ok);
    const [s0, s1, s2] = chans.map((x) => x.msg.shortChannelId);
    assert.deepEqual(describeMsgs(r.value), [`ca ${s0}`, `cu ${s1}/0`, `cu ${s2}/1`, 'end 1']);
    const nodesToo = answerQueryShortChannelIds(
      db,
      q([s0 as bigint, s2 as bigint], [8n | 16n, 8n | 16n]),
      REGTEST,
    );
    assert.ok(nodesToo.ok);
    // Without duplicates: s0 is a-b, s2 is b-c.
    assert.equal(describeMsgs(nodesToo.value).filter((x) => x.startsWith('na')).length, 3);
  });

  test('without flags: announcement, both updates, then the node announcements, no duplicates', () => {
    const ids = chans.map((x) => x.msg.shortChannelId);
    const r = answerQueryShortChannelIds(db, q([...ids, scid(99, 9, 9)]), REGTEST);
    assert.ok(r.ok);
    const d = describeMsgs(r.value);
    assert.equal(d.filter((x) => x.startsWith('ca')).length, 3);
    assert.equal(d.filter((x) => x.startsWith('cu')).length, 6);
    assert.equal(d.filter((x) => x.startsWith('na')).length, 3);
    assert.equal(d[0], `ca ${ids[0]}`);
    assert.equal(d[d.length - 1], 'end 1');
  });

  test('a flag count that does not match, and another chain', () => {
    assert.equal(answerQueryShortChannelIds(db, q([scid(10, 0, 0)], [1n, 2n]), REGTEST).ok, false);
    const other = answerQueryShortChannelIds(db, { ...q([scid(10, 0, 0)]), chainHash: OTHER_CHAIN }, REGTEST);
    assert.ok(other.ok);
    assert.deepEqual(describeMsgs(other.value), ['end 0']);
  });

  test('a gossip_timestamp_filter picks updates in range, announcements first, ours always', () => {
    const d = (first: number, range: number, ours?: TestNode) =>
      describeMsgs(
        messagesForTimestampFilter(db, { firstTimestamp: first, timestampRange: range }, ours?.nodeId),
      );
    const [s0, s1, s2] = chans.map((x) => x.msg.shortChannelId);
    assert.deepEqual(d(201, 1), [`ca ${s1}`, `cu ${s1}/1`]);
    assert.deepEqual(d(100, 2), [`ca ${s0}`, `cu ${s0}/0`, `ca ${s1}`, `cu ${s1}/0`]);
    assert.deepEqual(d(50, 1), ['na 0', 'na 1', 'na 2']);
    assert.deepEqual(d(0xffff_ffff, 0), []);
    // c's own channel (s2, b-c) and node announcement go out regardless of the filter.
    const own = d(0xffff_ffff, 0, c);
    const cIsNode1 = Buffer.compare(Buffer.from(c.nodeId), Buffer.from(b.nodeId)) < 0;
    assert.deepEqual(own, [`ca ${s2}`, `cu ${s2}/${cIsNode1 ? 0 : 1}`, 'na 2']);
  });
});

// ---------- the asking side, with the extended-queries vectors ----------

interface Vector {
  hex: string;
  msg: { type: string };
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../shared/specs/bolts/bolt07/extended-queries.json', import.meta.url), 'utf8'),
) as Vector[];

function vectorReply(i: number): ReplyChannelRange {
  const r = decodeMessage(hexToBytes((vectors[i] as Vector).hex));
  assert.ok(r.ok && r.value.kind === 'reply_channel_range');
  return r.value as ReplyChannelRange;
}

describe('range sync (asking side)', () => {
  // Vectors 4 and 5: the same reply (3 scids with timestamps and checksums), plain and zlib.
  const plain = vectorReply(4);
  const zlib = vectorReply(5);
  const [s1, s2, s3] = plain.encodedShortIds.values as [bigint, bigint, bigint];
  const local = (s: bigint) => {
    // s1: unknown. s2: their node-1 update is newer but carries the same checksum (skip). s3:
    // their node-2 update is newer with another checksum (ask for it).
    if (s === s2) return { timestamps: [489_000, 4_786_864] as const, checksums: [3333, 4444] as const };
    if (s === s3) return { timestamps: [46_456, 9_000_000] as const, checksums: [5555, 1] as const };
    return undefined;
  };

  for (const [name, reply] of [
    ['uncompressed', plain],
    ['zlib', zlib],
  ] as const) {
    test(`timestamps and checksums decide what to ask for (${name})`, () => {
      const s = new RangeSync({
        chainHash: reply.chainHash,
        extended: true,
        batchSize: 100,
        nowSec: 9_800_000,
        staleAfterSec: 20_000_000,
        firstBlocknum: 122_334,
        numberOfBlocks: 1500,
      });
      assert.deepEqual(s.start().tlvs, { queryOption: 3n });
      const out = s.onReplyChannelRange(reply, local);
      assert.equal(out.kind, 'query');
      if (out.kind !== 'query') return;
      assert.deepEqual(out.query.encodedShortIds.values, [s1, s3]);
      assert.deepEqual(out.query.tlvs?.queryFlags?.values, [31n, 4n]);
      assert.equal(s.state, 'scids');
      assert.deepEqual(s.onReplyShortChannelIdsEnd(), { kind: 'done' });
      assert.equal(s.state, 'done');
    });
  }

  test('without extended queries only unknown channels are asked for, in batches', () => {
    const reply = vectorReply(3); // zlib-encoded ids, no timestamps: 0x0x142, 0x0x15465, 0x4x3318
    const s = new RangeSync({
      chainHash: reply.chainHash,
      extended: false,
      batchSize: 1,
      nowSec: 0,
      staleAfterSec: 1,
      firstBlocknum: 1600,
      numberOfBlocks: 110,
    });
    assert.equal(s.start().tlvs, undefined);
    const known = reply.encodedShortIds.values[1] as bigint;
    const out = s.onReplyChannelRange(reply, (x) =>
      x === known ? { timestamps: [0, 0], checksums: [0, 0] } : undefined,
    );
    assert.equal(out.kind, 'query');
    if (out.kind !== 'query') return;
    assert.deepEqual(out.query.encodedShortIds.values, [reply.encodedShortIds.values[0]]);
    assert.equal(out.query.tlvs, undefined);
    const next = s.onReplyShortChannelIdsEnd();
    assert.equal(next.kind, 'query');
    if (next.kind === 'query')
      assert.deepEqual(next.query.encodedShortIds.values, [reply.encodedShortIds.values[2]]);
    assert.deepEqual(s.onReplyShortChannelIdsEnd(), { kind: 'done' });
  });

  test('replies that break the rules fail the session', () => {
    const mk = () =>
      new RangeSync({
        chainHash: REGTEST,
        extended: true,
        batchSize: 10,
        nowSec: 0,
        staleAfterSec: 1,
        firstBlocknum: 100,
        numberOfBlocks: 100,
      });
    const r = (first: number, num: number, chainHash = REGTEST): ReplyChannelRange => ({
      kind: 'reply_channel_range',
      chainHash,
      firstBlocknum: first,
      numberOfBlocks: num,
      syncComplete: 1,
      encodedShortIds: { encoding: 'uncompressed', values: [] },
    });
    const none = () => undefined;
    assert.equal(mk().onReplyChannelRange(r(101, 200), none).kind, 'invalid');
    assert.equal(mk().onReplyChannelRange(r(50, 50), none).kind, 'invalid');
    assert.equal(mk().onReplyChannelRange(r(100, 100, OTHER_CHAIN), none).kind, 'invalid');
    const s = mk();
    assert.equal(s.onReplyChannelRange(r(100, 50), none).kind, 'more');
    assert.equal(s.onReplyChannelRange(r(99, 10), none).kind, 'invalid');
    const ok = mk();
    assert.equal(ok.onReplyChannelRange(r(100, 50), none).kind, 'more');
    assert.deepEqual(ok.onReplyChannelRange(r(150, 50), none), { kind: 'done' });
    assert.equal(ok.onReplyShortChannelIdsEnd().kind, 'invalid');
  });

  test('wantUpdate: newer and different, or newer while ours ages; never stale ones', () => {
    const now = 10_000_000;
    const stale = 1_209_600;
    const w = (ours: [number, number], theirs: [number, number | undefined]) =>
      wantUpdate(
        { timestamp: ours[0], checksum: ours[1] },
        { timestamp: theirs[0], checksum: theirs[1] },
        now,
        stale,
      );
    assert.equal(w([now - 100, 7], [now - 50, 8]), true);
    assert.equal(w([now - 100, 7], [now - 50, 7]), false);
    assert.equal(w([now - 100, 7], [now - 50, undefined]), true);
    assert.equal(w([now - 700_000, 7], [now - 50, 7]), true);
    assert.equal(w([now - 100, 7], [now - 100, 8]), false);
    assert.equal(w([0, 0], [now - 50, 7]), true);
    assert.equal(w([0, 0], [now - stale - 1, 7]), false);
  });
});
