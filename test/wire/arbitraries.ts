// Generic fast-check value generators derived from codec shapes: one builder covers every message,
// so a new message definition is property-tested without writing a generator for it.
import fc from 'fast-check';
import { isPrivateKey, publicKeyCreate } from '../../src/crypto/index.js';
import {
  addressDescriptors,
  type Codec,
  type MessageDef,
  type NodeAddress,
  type Shape,
} from '../../src/wire/index.js';

type Arb = fc.Arbitrary<unknown>;

/** Records with an ordinary prototype, as decoders build them (fast-check may otherwise pick null). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as unknown as fc.Arbitrary<T>;
}

const U64_MAX = (1n << 64n) - 1n;

/** A valid compressed secp256k1 point (a public key of a random secret). */
export const pointArb: fc.Arbitrary<Uint8Array> = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter(isPrivateKey)
  .map((k) => Uint8Array.from(publicKeyCreate(k)));

const port = fc.integer({ min: 0, max: 0xffff });
const fixedBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

/** BOLT 7 address descriptors: known types, then optionally an unknown-type tail kept as bytes. */
export const addressListArb: fc.Arbitrary<NodeAddress[]> = fc
  .tuple(
    fc.array(
      fc.oneof(
        rec({ type: fc.constant('ipv4' as const), addr: fixedBytes(4), port }),
        rec({ type: fc.constant('ipv6' as const), addr: fixedBytes(16), port }),
        rec({ type: fc.constant('torv2' as const), addr: fixedBytes(10), port }),
        rec({ type: fc.constant('torv3' as const), addr: fixedBytes(35), port }),
        rec({
          type: fc.constant('dns' as const),
          hostname: fc
            .array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 })
            .map((cs) => String.fromCharCode(...cs)),
          port,
        }),
      ),
      { maxLength: 4 },
    ),
    fc.option(
      fc
        .tuple(
          fc.integer({ min: 0, max: 255 }).filter((t) => t === 0 || t > 5),
          fc.uint8Array({ maxLength: 20 }),
        )
        .map(([t, rest]) => ({ type: 'unknown' as const, bytes: Uint8Array.from([t, ...rest]) })),
      { nil: undefined },
    ),
  )
  .map(([known, tail]) => (tail === undefined ? known : [...known, tail]));

/** Generators for codecs whose shape is opaque. */
export const defaultOverrides = new Map<Codec<unknown>, Arb>([
  [addressDescriptors as Codec<unknown>, addressListArb],
]);

export interface ArbOptions {
  /** Most items in a variable-length array, most bytes in a variable-length byte string. */
  maxItems: number;
  maxBytes: number;
  overrides: ReadonlyMap<Codec<unknown>, Arb>;
}

const defaults: ArbOptions = { maxItems: 4, maxBytes: 48, overrides: defaultOverrides };

function uintArb(bytes: 1 | 2 | 4 | 8): Arb {
  if (bytes === 8) return fc.bigInt({ min: 0n, max: U64_MAX });
  return fc.integer({ min: 0, max: 2 ** (8 * bytes) - 1 });
}

/** Drops the keys whose value is undefined (decoders omit absent optional members). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function tlvArb(
  records: Readonly<Record<string, { type: bigint; codec: Codec<unknown> }>>,
  o: ArbOptions,
): Arb {
  const known = new Set(Object.values(records).map((r) => r.type));
  const fields: Record<string, Arb> = {};
  for (const [k, r] of Object.entries(records))
    fields[k] = fc.option(arbitraryFor(r.codec, o), { nil: undefined });
  // Unknown records: odd types only (unknown even ones must be rejected), ascending, no duplicates.
  const unknownType = fc
    .bigInt({ min: 0n, max: (U64_MAX - 1n) / 2n })
    .map((x) => 2n * x + 1n)
    .filter((t) => !known.has(t));
  const unknown = fc
    .uniqueArray(rec({ type: unknownType, value: fc.uint8Array({ maxLength: o.maxBytes }) }), {
      maxLength: 3,
      selector: (r) => r.type,
    })
    .map((rs) => [...rs].sort((a, b) => (a.type < b.type ? -1 : 1)));
  return rec({ ...fields, unknown }).map((v) => {
    const out = compact(v as Record<string, unknown>);
    if ((out.unknown as unknown[]).length === 0) delete out.unknown;
    return out;
  });
}

/** A generator of valid values of a codec, derived from its shape. */
export function arbitraryFor(c: Codec<unknown>, options: Partial<ArbOptions> = {}): Arb {
  const o = { ...defaults, ...options };
  const override = o.overrides.get(c);
  if (override !== undefined) return override;
  const s: Shape | undefined = c.shape;
  if (s === undefined) throw new Error(`codec ${c.name} has no shape; add an override`);
  switch (s.t) {
    case 'uint':
      return uintArb(s.bytes);
    case 'sint': {
      const half = 1n << BigInt(8 * s.bytes - 1);
      return fc.bigInt({ min: -half, max: half - 1n });
    }
    case 'tuint':
      return s.bytes === 8 ? uintArb(8) : uintArb(s.bytes);
    case 'bigsize':
      return uintArb(8);
    case 'bytes':
      return fixedBytes(s.length);
    case 'varbytes':
    case 'restbytes':
      return fc.uint8Array({ maxLength: o.maxBytes });
    case 'utf8':
      return fc.string({ unit: 'grapheme', maxLength: o.maxBytes });
    case 'point':
      return pointArb;
    case 'flag':
      return fc.constant(true);
    case 'struct': {
      const fields: Record<string, Arb> = {};
      for (const [k, f] of Object.entries(s.fields)) fields[k] = arbitraryFor(f, o);
      return rec(fields);
    }
    case 'array': {
      const item = arbitraryFor(s.item, o);
      if (typeof s.count === 'number') return fc.array(item, { minLength: s.count, maxLength: s.count });
      return fc.array(item, { maxLength: o.maxItems });
    }
    case 'sized':
      return arbitraryFor(s.inner, o);
    case 'encoded':
      return rec({
        encoding: fc.constantFrom('uncompressed' as const, 'zlib' as const),
        values: fc.array(arbitraryFor(s.item, o), { maxLength: o.maxItems }),
      });
    case 'tlv':
      return tlvArb(s.records, o);
    case 'mapped': {
      const to = s.to;
      return arbitraryFor(s.inner, o)
        .map((a) => {
          try {
            return { ok: true, v: to(a) };
          } catch {
            return { ok: false, v: undefined };
          }
        })
        .filter((x) => x.ok)
        .map((x) => x.v);
    }
    case 'message': {
      const fields: Record<string, Arb> = { kind: fc.constant(s.kind) };
      for (const [k, f] of Object.entries(s.fields)) fields[k] = arbitraryFor(f, o);
      fields.tlvs = arbitraryFor(s.extension, o);
      return rec(fields).map((v) => {
        const out = { ...(v as Record<string, unknown>) };
        if (Object.keys(out.tlvs as object).length === 0) delete out.tlvs;
        return out;
      });
    }
    case 'opaque':
      throw new Error(`codec ${c.name} is opaque; add an override`);
  }
}

/** A generator of valid values of a message definition. */
export function messageArb(def: MessageDef, options: Partial<ArbOptions> = {}): Arb {
  return arbitraryFor(def.payload as Codec<unknown>, options);
}
