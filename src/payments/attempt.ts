// src/payments/attempt.ts: what is stored with each attempt. The attempt row's `route` column holds
// the route and the onion session key as JSON: with the key, the shared secrets of every hop can be
// derived again, so a failure that arrives after a restart can still be decrypted and attributed.
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { Route, RouteHop } from '../routing/index.js';

export interface StoredAttempt {
  route: Route;
  /** The onion's session key (fresh randomness per attempt). */
  sessionKey: Uint8Array;
}

/** Why an attempt failed, in words, kept beside the row's failing hop and code. */
export interface AttemptFailureDetail {
  reason: string;
  /** The BOLT 4 failure name, when the failure decoded. */
  failureName?: string;
}

const ATTEMPT_VERSION = 1;

export function encodeAttempt(a: StoredAttempt): string {
  const r = a.route;
  return JSON.stringify({
    version: ATTEMPT_VERSION,
    sessionKey: bytesToHex(a.sessionKey),
    amountMsat: r.amountMsat.toString(),
    totalAmountMsat: r.totalAmountMsat.toString(),
    totalFeeMsat: r.totalFeeMsat.toString(),
    totalCltvDelta: r.totalCltvDelta,
    cltvExpiry: r.cltvExpiry,
    successProbability: r.successProbability,
    hops: r.hops.map((h) => ({
      nodeId: bytesToHex(h.nodeId),
      shortChannelId: h.shortChannelId.toString(),
      direction: h.direction,
      amtToForwardMsat: h.amtToForwardMsat.toString(),
      outgoingCltvValue: h.outgoingCltvValue,
      feeMsat: h.feeMsat.toString(),
    })),
  });
}

function field<T>(o: Record<string, unknown>, k: string, check: (v: unknown) => v is T): T {
  const v = o[k];
  if (!check(v)) throw new Error(`stored attempt: ${k} has the wrong type`);
  return v;
}
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads what encodeAttempt wrote; throws on anything else (a corrupt row is a bug to surface). */
export function decodeAttempt(text: string): StoredAttempt {
  const o: unknown = JSON.parse(text);
  if (!isObj(o)) throw new Error('stored attempt: not an object');
  if (o.version !== ATTEMPT_VERSION) throw new Error(`stored attempt: unknown version ${String(o.version)}`);
  const hopsRaw = o.hops;
  if (!Array.isArray(hopsRaw)) throw new Error('stored attempt: hops is not a list');
  const hops: RouteHop[] = hopsRaw.map((x: unknown) => {
    if (!isObj(x)) throw new Error('stored attempt: a hop is not an object');
    const direction = field(x, 'direction', isNum);
    if (direction !== 0 && direction !== 1) throw new Error('stored attempt: bad hop direction');
    return {
      nodeId: hexToBytes(field(x, 'nodeId', isStr)),
      shortChannelId: BigInt(field(x, 'shortChannelId', isStr)),
      direction,
      amtToForwardMsat: BigInt(field(x, 'amtToForwardMsat', isStr)),
      outgoingCltvValue: field(x, 'outgoingCltvValue', isNum),
      feeMsat: BigInt(field(x, 'feeMsat', isStr)),
    };
  });
  return {
    sessionKey: hexToBytes(field(o, 'sessionKey', isStr)),
    route: {
      hops,
      amountMsat: BigInt(field(o, 'amountMsat', isStr)),
      totalAmountMsat: BigInt(field(o, 'totalAmountMsat', isStr)),
      totalFeeMsat: BigInt(field(o, 'totalFeeMsat', isStr)),
      totalCltvDelta: field(o, 'totalCltvDelta', isNum),
      cltvExpiry: field(o, 'cltvExpiry', isNum),
      successProbability: field(o, 'successProbability', isNum),
    },
  };
}

export function encodeFailureDetail(d: AttemptFailureDetail): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(d));
}

export function decodeFailureDetail(bytes: Uint8Array): AttemptFailureDetail {
  const o: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!isObj(o) || typeof o.reason !== 'string') throw new Error('stored attempt failure: no reason');
  const d: AttemptFailureDetail = { reason: o.reason };
  if (typeof o.failureName === 'string') d.failureName = o.failureName;
  return d;
}
