// A JSON-friendly view of decoded messages, for the CLI, logs and the API (edges only: the core
// keeps bytes and bigints).
import { bytesToHex } from '../../crypto/index.js';
import type { UnknownMessage, WireMessage } from './index.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Converts a decoded value to plain JSON data: bigint becomes its decimal string, bytes become
 * lowercase hex, arrays and objects are converted member by member (undefined members dropped).
 */
export function toJsonValue(v: unknown): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x);
    return out;
  }
  return String(v);
}

/**
 * A decoded message as a JSON object: `kind`, then its fields and `tlvs` (unknown TLV records as
 * `{ type, value }` with the type as a decimal string). `JSON.stringify` can print it as it is.
 */
export function describeMessage(msg: WireMessage | UnknownMessage): { [key: string]: JsonValue } {
  return toJsonValue(msg) as { [key: string]: JsonValue };
}
