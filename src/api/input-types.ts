// src/api/input-types.ts: the building blocks of request schemas. Each one parses what a client
// sends (hex, decimal strings, `BxTxO`) into the node's types and, when it cannot, says what it
// expected in words a user can act on; the server adds the field's name.
import { z } from 'zod';
import { hexToBytes, isPublicKey } from '../crypto/index.js';
import { parseShortChannelId } from '../routing/index.js';

const U64_MAX = (1n << 64n) - 1n;

/** A schema error message: "required" when the field is missing, else what was expected. */
export function expecting(expected: string) {
  return (iss: { input?: unknown }): string => (iss.input === undefined ? 'required' : expected);
}

/** Bytes as lowercase or uppercase hex, exactly `length` bytes when given. */
export function hexBytes(length: number | undefined, what: string) {
  const chars = length === undefined ? undefined : length * 2;
  const pattern = chars === undefined ? '^([0-9a-fA-F]{2})*$' : `^[0-9a-fA-F]{${chars}}$`;
  const expected =
    chars === undefined
      ? `expected ${what} as an even number of hex characters`
      : `expected ${what}: ${chars} hex characters (${length} bytes)`;
  return z
    .string({ error: expecting(expected) })
    .regex(new RegExp(pattern), { error: expected })
    .transform((s) => hexToBytes(s));
}

/** A 33-byte compressed secp256k1 public key in hex. */
export const nodeIdHex = hexBytes(33, 'a node id').refine((b) => isPublicKey(b), {
  error: 'expected a node id: this is not a valid compressed secp256k1 public key',
});

/** A 32-byte hash (payment hash, channel id, txid) in hex. */
export const hash32Hex = (what: string) => hexBytes(32, what);

function amount(unit: string, max: bigint) {
  const expected = `expected ${unit} as a decimal string (or a JSON integer up to 2^53-1)`;
  return z.union([z.string(), z.number()], { error: expecting(expected) }).transform((v, ctx) => {
    const ok =
      typeof v === 'string' ? /^\d{1,20}$/.test(v) : Number.isSafeInteger(v) && v >= 0 && Number.isFinite(v);
    const n = ok ? BigInt(v) : -1n;
    if (n < 0n || n > max) {
      ctx.addIssue({ code: 'custom', message: n > max ? `${unit} must be at most ${max}` : expected });
      return z.NEVER;
    }
    return n;
  });
}

/** Millisatoshis: a decimal string (JSON numbers lose precision past 2^53) or a safe integer. */
export const msat = amount('millisatoshis', U64_MAX).meta({
  description: 'millisatoshis: a decimal string, or a JSON integer up to 2^53-1',
  pattern: '^\\d{1,20}$',
});
/** Satoshis: 21 million BTC at most. */
export const sat = amount('satoshis', 2_100_000_000_000_000n).meta({
  description: 'satoshis: a decimal string, or a JSON integer up to 2^53-1',
  pattern: '^\\d{1,20}$',
});

/** A short channel id, `539268x845x1`. */
export const shortChannelId = z
  .string({ error: expecting('expected a short channel id like 539268x845x1') })
  .transform((s, ctx) => {
    const scid = parseShortChannelId(s);
    if (scid === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a short channel id like 539268x845x1' });
      return z.NEVER;
    }
    return scid;
  })
  .meta({ description: 'short channel id, BxTxO (block x transaction x output)' });

/** A query-string integer. */
export function queryInt(min: number, max: number) {
  const expected = `expected an integer from ${min} to ${max}`;
  return z
    .string({ error: expecting(expected) })
    .regex(/^\d{1,15}$/, { error: expected })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: expected });
}

/** A query-string boolean: true/false/1/0. */
export const queryBool = z
  .enum(['true', 'false', '1', '0'], { error: expecting('expected true or false') })
  .transform((s) => s === 'true' || s === '1');

/** Custom records as `{ "<type>": "<hex value>" }`; types are checked by the node (>= 65536). */
export const customRecords = z
  .record(z.string(), hexBytes(undefined, 'a record value'))
  .transform((o, ctx) => {
    const out = new Map<bigint, Uint8Array>();
    for (const [k, v] of Object.entries(o)) {
      if (!/^\d{1,20}$/.test(k) || BigInt(k) > U64_MAX) {
        ctx.addIssue({ code: 'custom', message: 'record types are decimal integers below 2^64', path: [k] });
        return z.NEVER;
      }
      out.set(BigInt(k), v);
    }
    return out as ReadonlyMap<bigint, Uint8Array>;
  });

/** One hop of a private route hint (BOLT 11 `r` field shape). */
export const routeHintHop = z.strictObject({
  nodeId: nodeIdHex,
  shortChannelId,
  feeBaseMsat: msat,
  feeProportionalMillionths: z.int().min(0).max(0xffff_ffff),
  cltvExpiryDelta: z.int().min(0).max(0xffff),
  htlcMinimumMsat: msat.optional(),
  htlcMaximumMsat: msat.optional(),
});

export const routeHints = z.array(z.array(routeHintHop).min(1).max(20)).max(20);

/** A fee rate for on-chain transactions. */
export const feeRate = z.number().min(1).max(100_000);

/** A channel's commitment format, as BOLT 2's `channel_type` names the two we support. */
export const channelType = z
  .enum(['static_remotekey', 'anchors'], { error: 'expected "static_remotekey" or "anchors"' })
  .meta({ description: 'commitment format: static_remotekey, or anchors (zero-fee-HTLC anchor outputs)' });

/** Timeout of a payment, in seconds. */
export const timeoutSeconds = z.int().min(1).max(3600);
