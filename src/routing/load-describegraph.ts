// src/routing/load-describegraph.ts: loads a graph in the shape of lnd's `describegraph` (as in
// ../shared/data/) into a ChannelGraph. The input is untrusted data: entries that do not fit the
// shape are skipped and counted, never thrown on. Reading and unzipping the file is the caller's job.
import type { ChannelGraph, ChannelPolicy } from './graph.js';
import { compareNodeIds, nodeIdFromHex } from './node-id.js';
import { parseShortChannelId } from './short-channel-id.js';

export interface LoadReport {
  nodes: number;
  channels: number;
  policies: number;
  skippedNodes: number;
  skippedChannels: number;
  skippedPolicies: number;
  /** The first few reasons for skipping, for a human. */
  problems: string[];
}

export interface LoadOptions {
  /** channel_update timestamp to record (the snapshot has none); default 0. */
  timestamp?: number;
}

const MAX_PROBLEMS = 20;
const DECIMAL = /^\d{1,20}$/;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function decimal(x: unknown): bigint | undefined {
  return typeof x === 'string' && DECIMAL.test(x) ? BigInt(x) : undefined;
}

function uint(x: unknown, max: number): number | undefined {
  const n = typeof x === 'string' && DECIMAL.test(x) ? Number(x) : x;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

/** lnd writes features as `{ "<bit>": { name, is_required, is_known } }`. */
function featureBits(x: unknown): number[] {
  if (!isObj(x)) return [];
  return Object.keys(x)
    .filter((k) => /^\d{1,4}$/.test(k))
    .map(Number)
    .sort((a, b) => a - b);
}

function parsePolicy(x: unknown, timestamp: number): ChannelPolicy | string {
  if (!isObj(x)) return 'policy is not an object';
  const feeBaseMsat = decimal(x.fee_base_msat);
  const feeProportionalMillionths = uint(x.fee_rate_milli_msat, 0xffff_ffff);
  const cltvExpiryDelta = uint(x.time_lock_delta, 0xffff);
  const htlcMinimumMsat = decimal(x.min_htlc);
  const htlcMaximumMsat = decimal(x.max_htlc_msat);
  if (feeBaseMsat === undefined || feeBaseMsat > 0xffff_ffffn) return 'fee_base_msat is not a u32';
  if (feeProportionalMillionths === undefined) return 'fee_rate_milli_msat is not a u32';
  if (cltvExpiryDelta === undefined) return 'time_lock_delta is not a u16';
  if (htlcMinimumMsat === undefined || htlcMinimumMsat >= 1n << 64n) return 'min_htlc is not a u64';
  if (htlcMaximumMsat === undefined || htlcMaximumMsat >= 1n << 64n) return 'max_htlc_msat is not a u64';
  if (typeof x.disabled !== 'boolean') return 'disabled is not a boolean';
  return {
    feeBaseMsat,
    feeProportionalMillionths,
    cltvExpiryDelta,
    htlcMinimumMsat,
    htlcMaximumMsat,
    disabled: x.disabled,
    timestamp,
  };
}

/**
 * Adds every channel, both directions' policies (a null policy means the direction is unusable) and
 * the nodes' aliases and features. `node1_policy` is what `node1_pub` charges: direction 0.
 */
export function loadDescribeGraph(graph: ChannelGraph, data: unknown, options: LoadOptions = {}): LoadReport {
  const timestamp = options.timestamp ?? 0;
  const report: LoadReport = {
    nodes: 0,
    channels: 0,
    policies: 0,
    skippedNodes: 0,
    skippedChannels: 0,
    skippedPolicies: 0,
    problems: [],
  };
  const problem = (what: string) => {
    if (report.problems.length < MAX_PROBLEMS) report.problems.push(what);
  };
  if (!isObj(data) || !Array.isArray(data.edges)) {
    problem('expected an object with an "edges" array');
    return report;
  }

  const edges: unknown[] = data.edges;
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i];
    if (!isObj(edge)) {
      report.skippedChannels++;
      problem(`edges[${i}]: not an object`);
      continue;
    }
    const scid = typeof edge.scid === 'string' ? parseShortChannelId(edge.scid) : undefined;
    const node1 = typeof edge.node1_pub === 'string' ? nodeIdFromHex(edge.node1_pub) : undefined;
    const node2 = typeof edge.node2_pub === 'string' ? nodeIdFromHex(edge.node2_pub) : undefined;
    const capacity = edge.capacity === undefined ? undefined : decimal(edge.capacity);
    let why: string | undefined;
    if (scid === undefined) why = 'scid is not BxTxO';
    else if (node1 === undefined || node2 === undefined) why = 'node1_pub/node2_pub is not a node id';
    else if (compareNodeIds(node1, node2) >= 0) why = 'node1_pub does not sort before node2_pub';
    else if (edge.capacity !== undefined && (capacity === undefined || capacity > 2_100_000_000_000_000n)) {
      why = 'capacity is not a sat amount';
    }
    if (why !== undefined || scid === undefined || node1 === undefined || node2 === undefined) {
      report.skippedChannels++;
      problem(`edges[${i}]: ${why}`);
      continue;
    }
    if (!graph.addChannel({ shortChannelId: scid, node1, node2, capacitySat: capacity })) {
      report.skippedChannels++;
      problem(`edges[${i}]: duplicate scid ${edge.scid}`);
      continue;
    }
    report.channels++;
    for (const [direction, raw] of [
      [0, edge.node1_policy],
      [1, edge.node2_policy],
    ] as const) {
      if (raw === null || raw === undefined) continue;
      const policy = parsePolicy(raw, timestamp);
      if (typeof policy === 'string') {
        report.skippedPolicies++;
        problem(`edges[${i}].node${direction + 1}_policy: ${policy}`);
        continue;
      }
      if (graph.updatePolicy(scid, direction, policy) === 'updated') report.policies++;
      else report.skippedPolicies++;
    }
  }

  const nodes: unknown[] = Array.isArray(data.nodes) ? data.nodes : [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const id = isObj(node) && typeof node.pub_key === 'string' ? nodeIdFromHex(node.pub_key) : undefined;
    if (!isObj(node) || id === undefined) {
      report.skippedNodes++;
      problem(`nodes[${i}]: pub_key is not a node id`);
      continue;
    }
    const info: { alias?: string; features?: readonly number[] } = { features: featureBits(node.features) };
    if (typeof node.alias === 'string') info.alias = node.alias;
    // A node without channels is unknown to the graph (BOLT 7 ignores such announcements too).
    if (graph.setNodeInfo(id, info)) report.nodes++;
    else report.skippedNodes++;
  }
  return report;
}
