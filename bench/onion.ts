// bench/onion: the cost of BOLT 4 onions against the floor set by libsecp256k1 in the same run.
// A peel needs one ECDH and one point multiplication, so peel / (2 × ECDH) is our overhead ratio
// (target <= 1.5). Runs in about five seconds; rounds alternate so machine noise hits both sides.
import { ecdh, publicKeyCreate, sha256 } from '../src/crypto/index.js';
import { buildOnion, encodeHopPayload, type OnionHop, peelOnion } from '../src/onion/index.js';

const HOPS = 20;
const ROUNDS = 5;
const ROUND_MS = 300;

const seed = (s: string) => sha256(new TextEncoder().encode(s));
const privs = Array.from({ length: HOPS }, (_, i) => seed(`bench hop ${i}`));
const hops: OnionHop[] = privs.map((k, i) => ({
  nodeId: publicKeyCreate(k),
  payload:
    i === HOPS - 1
      ? encodeHopPayload({
          amtToForwardMsat: 100_000n,
          outgoingCltvValue: 800_000,
          keysendPreimage: seed('p'),
        })
      : encodeHopPayload({
          amtToForwardMsat: 100_000n + BigInt(i),
          outgoingCltvValue: 800_040 + i,
          shortChannelId: BigInt(i + 1),
        }),
}));
const sessionKey = seed('bench session');
const paymentHash = seed('bench payment');
const { packet } = buildOnion(hops, sessionKey, paymentHash);
const hop0 = privs[0] as Uint8Array;
const ecdhPub = hops[1]?.nodeId as Uint8Array;

let sink = 0;
/** Mean microseconds per call of `f`, over a time-boxed loop. */
function measure(f: () => void, ms: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let now = start;
  do {
    for (let i = 0; i < 16; i++) f();
    n += 16;
    now = process.hrtime.bigint();
  } while (now - start < budget);
  return Number(now - start) / 1000 / n;
}

const build = () => {
  sink += buildOnion(hops, sessionKey, paymentHash).packet[1] as number;
};
const peel = () => {
  const r = peelOnion(packet, hop0, paymentHash);
  if (r.kind !== 'forward') throw new Error(`bench onion did not peel: ${r.kind}`);
  sink += r.nextPacket[1] as number;
};
const rawEcdh = () => {
  sink += ecdh(ecdhPub, hop0)[0] as number;
};

// Warm up the JIT and the native bindings.
measure(build, 100);
measure(peel, 100);
measure(rawEcdh, 100);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const builds: number[] = [];
const peels: number[] = [];
const ecdhs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  builds.push(measure(build, ROUND_MS));
  peels.push(measure(peel, ROUND_MS));
  ecdhs.push(measure(rawEcdh, ROUND_MS));
}
const buildUs = median(builds);
const peelUs = median(peels);
const ecdhUs = median(ecdhs);
const ratio = peelUs / (2 * ecdhUs);

console.log(`onion bench (libsecp256k1, node ${process.version}, ${ROUNDS} rounds, medians)`);
console.log(
  `  build ${HOPS}-hop onion   ${(buildUs / 1000).toFixed(3)} ms  (${(buildUs / HOPS).toFixed(1)} µs/hop)`,
);
console.log(`  peel one hop          ${peelUs.toFixed(1)} µs  (${Math.round(1e6 / peelUs)} peels/s)`);
console.log(`  raw ECDH              ${ecdhUs.toFixed(1)} µs`);
console.log(
  `  peel / (2 × ECDH)     ${ratio.toFixed(2)}  (target <= 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
);
if (sink === 0.5) console.log(sink);
