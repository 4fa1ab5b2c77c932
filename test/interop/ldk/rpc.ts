// test/interop/ldk/rpc.ts: the RPC methods of the LDK node process, each reading its params and
// calling the node. See protocol.ts for the framing and client.ts for the typed side.
import type { LdkNode } from './ldk-node.js';
import type { Json } from './protocol.js';
import { Params, RpcError } from './rpc-params.js';

const DEFAULT_TIMEOUT_MS = 30_000;

type Method = (node: LdkNode, p: Params) => Json | Promise<Json>;

/** JSON-safe: the node's records are JSON-shaped interfaces; this only widens their type. */
function json<T>(v: T): Json {
  return v as unknown as Json;
}

const METHODS: Record<string, Method> = {
  info: (n) => json(n.info()),
  connect: async (n, p) =>
    json(
      await n.connect(
        p.bytes('nodeId', 33),
        p.optString('host') ?? '127.0.0.1',
        p.int('port'),
        p.int('timeoutMs', DEFAULT_TIMEOUT_MS),
      ),
    ),
  wait_peer: async (n, p) =>
    json(await n.waitPeer(p.bytes('nodeId', 33), p.int('timeoutMs', DEFAULT_TIMEOUT_MS))),
  disconnect: (n, p) => {
    n.disconnect(p.bytes('nodeId', 33));
    return null;
  },
  peers: (n) => json(n.peers()),
  open_channel: (n, p) =>
    json(
      n.openChannel(
        p.bytes('nodeId', 33),
        p.amount('amountSat'),
        p.optAmount('pushMsat') ?? 0n,
        p.bool('announce', false),
        p.bool('anchors', false),
      ),
    ),
  channels: (n) => json(n.channels()),
  keysend: async (n, p) => {
    const records = new Map<bigint, Uint8Array>();
    for (const [k, v] of p.hexMap('customRecords')) {
      if (!/^\d+$/.test(k)) throw new RpcError(`custom record type ${k} is not a decimal number`);
      records.set(BigInt(k), v);
    }
    return json(
      await n.keysend({
        nodeId: p.bytes('nodeId', 33),
        amountMsat: p.amount('amountMsat'),
        customRecords: records,
        finalCltvDelta: p.int('finalCltvDelta', 40),
        preimage: p.optBytes('preimage', 32),
        routeHints: p.listOfLists('routeHints').map((hops) =>
          hops.map((h) => ({
            srcNodeId: h.bytes('srcNodeId', 33),
            shortChannelId: h.amount('shortChannelId'),
            feeBaseMsat: h.int('feeBaseMsat'),
            feeProportionalMillionths: h.int('feeProportionalMillionths'),
            cltvExpiryDelta: h.int('cltvExpiryDelta'),
          })),
        ),
        retries: p.int('retries', 2),
        wait: p.bool('wait', true),
        timeoutMs: p.int('timeoutMs', DEFAULT_TIMEOUT_MS),
      }),
    );
  },
  payments: (n) => json(n.payments()),
  claim: (n, p) => json(n.claim(p.string('paymentHash'))),
  fail: (n, p) => json(n.failBack(p.string('paymentHash'))),
  events: (n, p) => json(n.events(p.int('since', 0), p.optString('kind'))),
  wait_event: async (n, p) => {
    const match = p.json('match') ?? {};
    if (typeof match !== 'object' || match === null || Array.isArray(match))
      throw new RpcError('"match" must be an object of event fields');
    return json(
      await n.waitEvent(p.string('kind'), match, p.int('since', 0), p.int('timeoutMs', DEFAULT_TIMEOUT_MS)),
    );
  },
  close_channel: (n, p) => {
    n.closeChannel(
      p.bytes('channelId', 32),
      p.bytes('nodeId', 33),
      p.has('feerateSatPerKw') ? p.int('feerateSatPerKw') : undefined,
    );
    return null;
  },
  force_close: (n, p) => {
    n.forceClose(p.bytes('channelId', 32), p.bytes('nodeId', 33));
    return null;
  },
  graph: (n) => json(n.graph()),
  sync: async (n) => json(await n.sync()),
  broadcasts: (n) => json(n.broadcasts()),
  logs: (n, p) => json(n.logs(p.optString('contains'))),
};

/** Runs one request; resolves with its result, rejects with an Error whose message is the reply. */
export async function dispatch(
  node: LdkNode,
  method: string,
  params: Record<string, Json> | undefined,
): Promise<Json> {
  const m = METHODS[method];
  if (m === undefined) throw new RpcError(`unknown method ${method}`);
  return m(node, new Params(params));
}
