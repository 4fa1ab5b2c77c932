// test/node/funding-lookup.test.ts: the node's funding lookup is fixed when the node is built. By
// default `Node.start` makes one over the chain backend; a caller may give its own
// (`NodeStartOptions.fundingLookup`), and then gossip's check of channel_announcements and the graph
// pruner both ask that one. An in-process node on an in-memory devnet, without listener or API.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Devnet, DevnetBackend } from '../../src/chain/devnet/index.js';
import type { FundingLookup, FundingOutputResult, OutPoint } from '../../src/chain/index.js';
import { createLogger, loadConfig, Node } from '../../src/node/index.js';
import { gossipFeatures, signedAnnouncement, TestNode } from '../gossip/helpers.js';

/** A lookup that knows one funding output and records every question. */
class RecordingLookup implements FundingLookup {
  readonly outputs: bigint[] = [];
  readonly outpoints: bigint[] = [];
  constructor(
    private readonly known: Map<bigint, { scriptPubKey: Uint8Array; valueSat: bigint; outpoint: OutPoint }>,
  ) {}
  async getOutput(scid: bigint): Promise<FundingOutputResult> {
    this.outputs.push(scid);
    const o = this.known.get(scid);
    return o === undefined ? 'unknown' : { scriptPubKey: o.scriptPubKey, valueSat: o.valueSat };
  }
  async getOutpoint(scid: bigint): Promise<OutPoint | undefined> {
    this.outpoints.push(scid);
    return this.known.get(scid)?.outpoint;
  }
}

async function withNode(
  options: { fundingLookup?: FundingLookup },
  run: (node: Node) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-funding-lookup-'));
  const config = loadConfig({ flags: { 'data-dir': dir, listen: 'none', api: 'none' }, env: {} });
  const node = await Node.start(config, {
    chainBackend: new DevnetBackend(new Devnet()),
    logger: createLogger('silent'),
    ...options,
  });
  try {
    await run(node);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without a lookup given, start builds one over the chain backend, and a graph pruner', async () => {
  await withNode({}, async (node) => {
    assert.ok(node.fundingLookup !== undefined);
    assert.equal(typeof node.fundingLookup.getOutput, 'function');
    assert.ok(node.graphPruner !== undefined, 'the graph pruner needs the lookup');
    // The devnet has no block 500: the built lookup answers from the backend.
    assert.equal(await node.fundingLookup.getOutput((500n << 40n) | (1n << 16n)), 'unknown');
  });
});

test('a given lookup is the one gossip and the graph pruner ask', async () => {
  const alice = new TestNode('funding-lookup alice');
  const bob = new TestNode('funding-lookup bob');
  const scid = (700n << 40n) | (3n << 16n) | 1n;
  const ch = signedAnnouncement(alice, bob, scid);
  const outpoint: OutPoint = { txid: new Uint8Array(32).fill(7), vout: 1 };
  const lookup = new RecordingLookup(new Map([[scid, { ...ch.output, outpoint }]]));
  await withNode({ fundingLookup: lookup }, async (node) => {
    assert.equal(node.fundingLookup, lookup);
    await node.gossiper.onPeerConnected(alice.nodeId, gossipFeatures());
    const outcome = await node.gossiper.onMessage(alice.nodeId, ch.msg);
    assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
    assert.deepEqual(lookup.outputs, [scid], "gossip checked the announcement's funding output");
    const pruner = node.graphPruner;
    assert.ok(pruner !== undefined);
    await pruner.channelAccepted(scid);
    assert.deepEqual(lookup.outpoints, [scid], 'the pruner asked for the outpoint to watch');
    assert.deepEqual(pruner.watched(), [scid]);
  });
});
