// bench/pathfind.ts: pathfinding on the real mainnet graph snapshot (../shared/data). Loads it, measures
// the graph's memory, then times 1,000 routes between seeded random pairs of the largest strongly
// connected component (of channel directions usable for the amount), and the same routes with LDK's
// router (npm lightningdevkit, WebAssembly) on the same graph with its ProbabilisticScorer, in the same
// run, printing our/LDK ratios. Bounded: about a minute on a loaded 2-core machine, almost all of it LDK.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { ChannelGraph, type FindRouteRequest, findRoute, loadDescribeGraph } from '../src/routing/index.js';

const ROUTES = 1000;
const WARMUP = 100;
const AMOUNT_MSAT = 10_000_000n; // 10,000 sat
const FINAL_CLTV = 40;
// LDK's defaults, used on both sides: fee at most 1 % + 50 sat, total CLTV at most 1008 blocks.
const MAX_FEE_MSAT = AMOUNT_MSAT / 100n + 50_000n;
const MAX_CLTV = 1008;
const SEED = 20260203;

const dataUrl = new URL('../../shared/data/mainnet-graph-2026-02-03.json.gz', import.meta.url);

// global.gc without asking the caller for --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Policy {
  time_lock_delta: number;
  min_htlc: string;
  max_htlc_msat: string;
  fee_base_msat: string;
  fee_rate_milli_msat: string;
  disabled: boolean;
}
interface Describegraph {
  nodes: { pub_key: string }[];
  edges: {
    channel_id: string;
    node1_pub: string;
    node2_pub: string;
    node1_policy: Policy | null;
    node2_policy: Policy | null;
  }[];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function stats(times: readonly number[]) {
  const s = [...times].sort((a, b) => a - b);
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  return { median: quantile(s, 0.5), p99: quantile(s, 0.99), mean, max: s[s.length - 1] as number };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Node indexes of the largest strongly connected component over directions usable for `amount`. */
function largestComponent(graph: ChannelGraph, amount: number): number[] {
  const v = graph.view();
  const n = v.nodeCount;
  const out: number[][] = Array.from({ length: n }, () => []);
  const back: number[][] = Array.from({ length: n }, () => []);
  for (let slot = 0; slot < v.slotCount; slot++) {
    for (const dir of [0, 1]) {
      const e = slot * 2 + dir;
      if (v.flags[e] !== 1) continue; // present, enabled, usable
      if (amount < (v.htlcMinimumMsat[e] as number) || amount > (v.htlcMaximumMsat[e] as number)) continue;
      if ((v.capacitySat[slot] as number) * 1000 < amount) continue;
      const from = (dir === 0 ? v.node1[slot] : v.node2[slot]) as number;
      const to = (dir === 0 ? v.node2[slot] : v.node1[slot]) as number;
      out[from]?.push(to);
      back[to]?.push(from);
    }
  }
  // Kosaraju, iteratively: finishing order on the graph, then components on the reverse graph.
  const order: number[] = [];
  const seen = new Uint8Array(n);
  for (let root = 0; root < n; root++) {
    if (seen[root]) continue;
    seen[root] = 1;
    const stack: [number, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const next = out[top[0]]?.[top[1]++];
      if (next === undefined) {
        order.push(top[0]);
        stack.pop();
      } else if (!seen[next]) {
        seen[next] = 1;
        stack.push([next, 0]);
      }
    }
  }
  const comp = new Int32Array(n).fill(-1);
  let best: number[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const root = order[k] as number;
    if (comp[root] !== -1) continue;
    const members = [root];
    comp[root] = root;
    for (let i = 0; i < members.length; i++) {
      for (const u of back[members[i] as number] ?? []) {
        if (comp[u] === -1) {
          comp[u] = root;
          members.push(u);
        }
      }
    }
    if (members.length > best.length) best = members;
  }
  return best;
}

// ---------- ours ----------

function readSnapshot(): Describegraph {
  return JSON.parse(gunzipSync(readFileSync(dataUrl)).toString('utf8')) as Describegraph;
}

/** Loads the snapshot into a graph; the JSON is garbage when this returns. */
function loadOurs() {
  const t0 = performance.now();
  const json = readSnapshot();
  const t1 = performance.now();
  const graph = new ChannelGraph();
  const report = loadDescribeGraph(graph, json);
  graph.view(); // builds the incoming-edge index, part of the graph's footprint
  const t2 = performance.now();
  return { graph, report, readMs: t1 - t0, loadMs: t2 - t1, totalMs: t2 - t0 };
}

/** Collects garbage until external memory (freed buffers of the gunzip and JSON) is released too. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

await settle();
const before = process.memoryUsage();
const { graph, report, readMs, loadMs, totalMs } = loadOurs();
await settle();
const after = process.memoryUsage();
const heapBytes = after.heapUsed - before.heapUsed;
const bufferBytes = after.arrayBuffers - before.arrayBuffers;

console.log('mainnet graph 2026-02-03');
console.log(`  nodes ${graph.nodeCount}, channels ${graph.channelCount}, policies ${report.policies}`);
console.log(`  load: ${ms(totalMs)} (gunzip + JSON.parse ${ms(readMs)}, into the graph ${ms(loadMs)})`);
console.log(
  `  memory: ${mb(heapBytes + bufferBytes)} (JS heap ${mb(heapBytes)} + typed arrays ${mb(bufferBytes)})`,
);

const component = largestComponent(graph, Number(AMOUNT_MSAT));
const rnd = mulberry32(SEED);
const pick = () => component[Math.floor(rnd() * component.length)] as number;
const pairs: [Uint8Array, Uint8Array][] = [];
while (pairs.length < WARMUP + ROUTES) {
  const s = pick();
  const d = pick();
  if (s !== d) pairs.push([graph.nodeIdAt(s), graph.nodeIdAt(d)]);
}
console.log(
  `  largest strongly connected component for ${AMOUNT_MSAT / 1000n} sat: ${component.length} nodes`,
);

const ours = { times: [] as number[], found: 0, fees: [] as bigint[], hops: 0 };
for (let i = 0; i < pairs.length; i++) {
  const [source, destination] = pairs[i] as [Uint8Array, Uint8Array];
  const req: FindRouteRequest = {
    graph,
    source,
    destination,
    amountMsat: AMOUNT_MSAT,
    finalCltvDelta: FINAL_CLTV,
    maxFeeMsat: MAX_FEE_MSAT,
    maxCltvExpiryDelta: MAX_CLTV,
  };
  const start = performance.now();
  const r = findRoute(req);
  const elapsed = performance.now() - start;
  if (i < WARMUP) continue;
  ours.times.push(elapsed);
  if (r.kind === 'route') {
    ours.found++;
    ours.hops += r.route.hops.length;
    ours.fees.push(r.route.totalFeeMsat);
  } else ours.fees.push(-1n);
}
await settle();
const afterRoutes = process.memoryUsage();
const o = stats(ours.times);
console.log(`\nours: ${ROUTES} routes of ${AMOUNT_MSAT / 1000n} sat (after ${WARMUP} warm-up routes)`);
console.log(`  found ${ours.found}, mean hops ${(ours.hops / Math.max(1, ours.found)).toFixed(2)}`);
console.log(`  median ${ms(o.median)}, p99 ${ms(o.p99)}, mean ${ms(o.mean)}, max ${ms(o.max)}`);
console.log(
  `  memory with search scratch: ${mb(afterRoutes.heapUsed - before.heapUsed + afterRoutes.arrayBuffers - before.arrayBuffers)}`,
);
const targets = [
  ['load < 5 s', totalMs < 5000],
  ['median < 10 ms', o.median < 10],
  ['p99 < 50 ms', o.p99 < 50],
  ['graph < 150 MB', heapBytes + bufferBytes < 150e6],
] as const;
console.log(`  targets: ${targets.map(([name, ok]) => `${name} ${ok ? 'ok' : 'MISSED'}`).join(', ')}`);

// ---------- LDK ----------

async function runLdk(): Promise<void> {
  let ldk: typeof import('lightningdevkit');
  try {
    ldk = await import('lightningdevkit');
  } catch (e) {
    console.log(`\nLDK: not available (${(e as Error).message}); no ratios`);
    return;
  }
  const wasm = readFileSync(new URL('../node_modules/lightningdevkit/liblightningjs.wasm', import.meta.url));
  // The loader prints a banner on stdout; keep stdout for results.
  const log = console.log;
  console.log = () => {};
  await ldk.initializeWasmFromBinary(wasm);
  console.log = log;

  let logCalls = 0;
  const logger = ldk.Logger.new_impl({
    log: () => {
      logCalls++;
    },
  });
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
  const l0 = performance.now();
  const network = ldk.NetworkGraph.constructor_new(ldk.Network.LDKNetwork_Bitcoin, logger);
  const chainHash = network.get_chain_hash();
  // A fresh timestamp: LDK ignores channel updates it considers stale.
  const now = Math.floor(Date.now() / 1000);
  let ldkErrors = 0;
  for (const e of readSnapshot().edges) {
    const scid = BigInt(e.channel_id);
    const added = network.add_channel_from_partial_announcement(
      scid,
      BigInt(now),
      ldk.ChannelFeatures.constructor_empty(),
      hex(e.node1_pub),
      hex(e.node2_pub),
    );
    if (!added.is_ok()) {
      ldkErrors++;
      continue;
    }
    for (const [direction, p] of [
      [0, e.node1_policy],
      [1, e.node2_policy],
    ] as const) {
      if (p === null) continue;
      const update = ldk.UnsignedChannelUpdate.constructor_new(
        chainHash,
        scid,
        now,
        1, // message_flags: must_be_one
        direction | (p.disabled ? 2 : 0),
        p.time_lock_delta,
        BigInt(p.min_htlc),
        BigInt(p.max_htlc_msat),
        Number(p.fee_base_msat),
        Number(p.fee_rate_milli_msat),
        new Uint8Array(0),
      );
      if (!network.update_channel_unsigned(update).is_ok()) ldkErrors++;
    }
  }
  const ldkLoadMs = performance.now() - l0;
  const scorer = ldk.ProbabilisticScorer.constructor_new(
    ldk.ProbabilisticScoringDecayParameters.constructor_default(),
    network,
    logger,
  );
  const lookup = scorer.as_ScoreLookUp();
  const feeParams = ldk.ProbabilisticScoringFeeParameters.constructor_default();
  const seed = new Uint8Array(32).fill(7);

  const times: number[] = [];
  let found = 0;
  let hops = 0;
  let cheaper = 0;
  let same = 0;
  let dearer = 0;
  const routeLogCalls0 = logCalls;
  for (let i = 0; i < pairs.length; i++) {
    const [source, destination] = pairs[i] as [Uint8Array, Uint8Array];
    const start = performance.now();
    const params = ldk.RouteParameters.constructor_from_payment_params_and_value(
      ldk.PaymentParameters.constructor_for_keysend(destination, FINAL_CLTV, false),
      AMOUNT_MSAT,
    );
    const r = ldk.UtilMethods.constructor_find_route(
      source,
      params,
      network,
      null,
      logger,
      lookup,
      feeParams,
      seed,
    );
    const elapsed = performance.now() - start;
    if (i < WARMUP) continue;
    times.push(elapsed);
    if (r instanceof ldk.Result_RouteLightningErrorZ_OK) {
      found++;
      const path = r.res.get_paths()[0];
      hops += path?.get_hops().length ?? 0;
      const ourFee = ours.fees[i - WARMUP] as bigint;
      const ldkFee = r.res.get_total_fees();
      if (ourFee >= 0n) {
        if (ourFee < ldkFee) cheaper++;
        else if (ourFee === ldkFee) same++;
        else dearer++;
      }
    }
  }
  const l = stats(times);
  console.log(
    `\nLDK 0.1 (lightningdevkit WebAssembly, find_route + ProbabilisticScorer defaults), same pairs`,
  );
  console.log(
    `  load into NetworkGraph: ${ms(ldkLoadMs)} (add_channel_from_partial_announcement + update_channel_unsigned, ${ldkErrors} errors)`,
  );
  console.log(`  found ${found}, mean hops ${(hops / Math.max(1, found)).toFixed(2)}`);
  console.log(`  median ${ms(l.median)}, p99 ${ms(l.p99)}, mean ${ms(l.mean)}, max ${ms(l.max)}`);
  console.log(`  logger calls while routing: ${logCalls - routeLogCalls0}`);
  console.log(`  fees where both found a route: ours lower ${cheaper}, equal ${same}, higher ${dearer}`);
  const ratio = (a: number, b: number) => (a / b).toFixed(3);
  console.log(
    `\nours/LDK time: median ${ratio(o.median, l.median)}, p99 ${ratio(o.p99, l.p99)}, mean ${ratio(o.mean, l.mean)}`,
  );
  console.log(`ours/LDK load: ${ratio(totalMs, ldkLoadMs)} (LDK's excludes reading the file)`);
}

// `--no-ldk` skips the comparison (quick runs while working on the pathfinder).
if (process.argv.includes('--no-ldk')) console.log('\nLDK: skipped (--no-ldk)');
else await runLdk();
