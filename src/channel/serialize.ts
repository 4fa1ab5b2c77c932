// src/channel/serialize.ts: the channel state as bytes for the Store: UTF-8 JSON in which bigints
// and byte strings are tagged objects ({"$n": "12"}, {"$b": "<base64>"}; a list of byte strings of
// one length is {"$bs": "<base64>", "w": <length>}). Absent fields stay
// absent. The state is written after nearly every step, so this is kept cheap: base64 rather than
// hex (the update log holds 1366-byte onions) and one in-place walk instead of a JSON reviver.
import type { Result } from '../tx/index.js';
import type { ChannelState } from './types.js';

const FORMAT = 'ksnode-channel/1';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// Node's Buffer only at this storage edge, for its native base64.
function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function fromBase64(s: string): Uint8Array {
  const buf = Buffer.from(s, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
}

/**
 * A list of byte strings of one length (attribution data's 210 truncated HMACs, in every fulfill
 * and failure of the update log) as one base64 string: {"$bs": "<base64>", "w": 4}. One conversion
 * instead of hundreds per step.
 */
function packedBytes(value: readonly unknown[]): { $bs: string; w: number } | undefined {
  if (value.length < 2) return undefined;
  const first = value[0];
  if (!(first instanceof Uint8Array) || first.length === 0) return undefined;
  const w = first.length;
  for (const v of value) if (!(v instanceof Uint8Array) || v.length !== w) return undefined;
  const all = new Uint8Array(w * value.length);
  for (let i = 0; i < value.length; i++) all.set(value[i] as Uint8Array, i * w);
  return { $bs: toBase64(all), w };
}

function unpackBytes(b64: string, w: unknown): Uint8Array[] {
  if (typeof w !== 'number' || !Number.isInteger(w) || w <= 0)
    throw new Error(`bad packed width ${String(w)}`);
  const all = fromBase64(b64);
  if (all.length % w !== 0) throw new Error(`packed bytes of ${all.length} are not a multiple of ${w}`);
  return Array.from({ length: all.length / w }, (_, i) => all.slice(i * w, (i + 1) * w));
}

/** Tags bigints and bytes; drops undefined members (as JSON.stringify would). */
function tag(value: unknown): unknown {
  if (typeof value === 'bigint') return { $n: value.toString() };
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return { $b: toBase64(value) };
  if (Array.isArray(value)) return packedBytes(value) ?? value.map(tag);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = tag(v);
  }
  return out;
}

/** Restores tagged values in place; JSON's null (from undefined array entries) becomes undefined. */
function revive(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.$b === 'string') return fromBase64(o.$b);
  if (typeof o.$bs === 'string') return unpackBytes(o.$bs, o.w);
  if (typeof o.$n === 'string') {
    if (!/^-?\d+$/.test(o.$n)) throw new Error(`bad integer ${JSON.stringify(o.$n)}`);
    return BigInt(o.$n);
  }
  for (const k of Object.keys(o)) {
    const v = revive(o[k]);
    if (v === undefined) delete o[k];
    else o[k] = v;
  }
  return o;
}

/**
 * The JSON of parts of the state that steps pass on unchanged: each field of the state that is an
 * object (the commitments, the shachain store, both sides' parameters) and each update in the
 * update logs (an update_add_htlc holds its 1366-byte onion). A step builds a new state around
 * the parts it changes, so most of a state's JSON was written for the state before it: written
 * once per object, it is not re-encoded on every store. Keyed by identity, so an object is frozen
 * (deeply) when its JSON is kept: changing it in place afterwards throws instead of leaving the
 * stored copy stale.
 */
const kept = new WeakMap<object, string>();

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

function keptJson(value: object): string {
  let json = kept.get(value);
  if (json === undefined) {
    json = JSON.stringify(tag(value));
    deepFreeze(value);
    kept.set(value, json);
  }
  return json;
}

/** An update log container ({proposed, signed, acked, ...}): its lists' updates are kept. */
function changesJson(changes: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) continue;
    const json =
      Array.isArray(v) && v.every((m) => typeof m === 'object' && m !== null && !ArrayBuffer.isView(m))
        ? `[${v.map((m: object) => keptJson(m)).join(',')}]`
        : JSON.stringify(tag(v));
    parts.push(`${JSON.stringify(k)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The state as bytes (secret material: it holds the channel seed). The same bytes as
 * `JSON.stringify({ format, state: tag(state) })`, built from kept parts.
 */
export function serializeChannel(state: ChannelState): Uint8Array {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(state)) {
    if (v === undefined) continue;
    let json: string;
    if (k === 'localChanges' || k === 'remoteChanges') json = changesJson(v as object);
    else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v))
      json = keptJson(v);
    else json = JSON.stringify(tag(v));
    parts.push(`${JSON.stringify(k)}:${json}`);
  }
  return encoder.encode(`{"format":${JSON.stringify(FORMAT)},"state":{${parts.join(',')}}}`);
}

/** The inverse of `serializeChannel`; never throws on bad input. */
export function deserializeChannel(bytes: Uint8Array): Result<ChannelState> {
  try {
    const parsed = revive(JSON.parse(decoder.decode(bytes))) as
      | { format?: unknown; state?: unknown }
      | undefined;
    if (parsed?.format !== FORMAT) return { ok: false, reason: `not a ${FORMAT} record` };
    const s = parsed.state as Partial<ChannelState> | undefined;
    if (
      s === undefined ||
      s.version !== 1 ||
      typeof s.phase !== 'string' ||
      !(s.channelSeed instanceof Uint8Array) ||
      s.channelSeed.length !== 32 ||
      s.localChanges === undefined ||
      s.remoteChanges === undefined ||
      s.remoteSecrets === undefined ||
      !Array.isArray(s.remoteSecrets.buckets)
    ) {
      return { ok: false, reason: 'channel record is missing required fields' };
    }
    return { ok: true, value: s as ChannelState };
  } catch (e) {
    return { ok: false, reason: `channel record is malformed: ${(e as Error).message}` };
  }
}
