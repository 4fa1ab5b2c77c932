// src/payments/keysend.ts: the records a payment carries in its final payload (bLIP 3 keysend,
// custom records, Whatsat chat with an optional signed sender, bLIP 10 podcast JSON), validated
// before anything is stored or sent.
import {
  FIRST_CUSTOM_RECORD_TYPE,
  KEYSEND_PREIMAGE_TYPE,
  PODCAST_RECORD_TYPE,
  signSenderRecords,
  WHATSAT,
} from '../onion/index.js';
import type { TlvRecord } from '../wire/index.js';
import { PaymentError } from './errors.js';

/** What a sender may ask to put in the final payload besides the preimage and payment data. */
export interface FinalRecordsInput {
  /** Application records; every type must be >= 65536 (BOLT 1 custom range). */
  customRecords?: ReadonlyMap<bigint, Uint8Array> | readonly TlvRecord[];
  /** A Whatsat chat message (34349334), UTF-8 when given as a string. */
  message?: string | Uint8Array;
  /**
   * Sign the message with our node key and send our node id (34349339), the time (34349343) and
   * the signature (34349337), so that the recipient can verify who paid: plain keysend is
   * anonymous. Needs `message`.
   */
  signMessage?: boolean;
  /** bLIP 10 podcast boost/stream JSON (7629169): an object (serialized here) or JSON text. */
  podcast?: Readonly<Record<string, unknown>> | string;
}

/** Context for signing: who we are, who receives, and the time (the caller reads the clock). */
export interface SignContext {
  recipientNodeId: Uint8Array;
  nowMs: number;
  nodePrivateKey: Uint8Array | undefined;
}

const utf8 = new TextEncoder();
const U64_MAX = (1n << 64n) - 1n;

function jsonBigint(_key: string, v: unknown): unknown {
  // bLIP 10 amounts are JSON numbers; a bigint msat amount is written as one.
  return typeof v === 'bigint' ? JSON.parse(v.toString()) : v;
}

/**
 * Checks the caller's custom records: types in the custom range, no keysend preimage (ksnode sets
 * it), no duplicates. Returns them sorted by type, values copied.
 */
export function validateCustomRecords(
  input: ReadonlyMap<bigint, Uint8Array> | readonly TlvRecord[] | undefined,
): TlvRecord[] {
  if (input === undefined) return [];
  const list: TlvRecord[] =
    input instanceof Map
      ? [...input].map(([type, value]) => ({ type, value }))
      : [...(input as readonly TlvRecord[])];
  const seen = new Set<bigint>();
  for (const r of list) {
    if (typeof r.type !== 'bigint' || r.type < 0n || r.type > U64_MAX) {
      throw new PaymentError('invalid_custom_record', `custom record type ${String(r.type)} is not a u64`);
    }
    if (!(r.value instanceof Uint8Array)) {
      throw new PaymentError('invalid_custom_record', `custom record ${r.type}: value must be a Uint8Array`);
    }
    // BOLT 1: "to 2^16 are available for custom records." (types greater than or equal to 2^16);
    // lower types belong to the protocol, and a recipient would read them as protocol fields.
    if (r.type < FIRST_CUSTOM_RECORD_TYPE) {
      throw new PaymentError(
        'invalid_custom_record',
        `custom record type ${r.type} is below 65536: types under 2^16 are reserved for the protocol; ` +
          'use a type >= 65536',
      );
    }
    if (r.type === KEYSEND_PREIMAGE_TYPE) {
      throw new PaymentError(
        'invalid_custom_record',
        `custom record type ${r.type} is the keysend preimage, which ksnode sets itself`,
      );
    }
    if (seen.has(r.type)) {
      throw new PaymentError('invalid_custom_record', `custom record type ${r.type} is given twice`);
    }
    seen.add(r.type);
  }
  return list
    .map((r) => ({ type: r.type, value: Uint8Array.from(r.value) }))
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/**
 * The app records and custom records of the final payload, sorted by type, or a PaymentError.
 * The app records (Whatsat, bLIP 10) must not collide with a custom record of the same type.
 */
export function buildFinalRecords(input: FinalRecordsInput, ctx: SignContext): TlvRecord[] {
  const custom = validateCustomRecords(input.customRecords);
  const app: TlvRecord[] = [];
  if (input.signMessage === true && input.message === undefined) {
    throw new PaymentError('invalid_request', 'signMessage needs a message to sign');
  }
  if (input.message !== undefined) {
    if (input.signMessage === true) {
      if (ctx.nodePrivateKey === undefined) {
        throw new PaymentError(
          'no_signing_key',
          'a signed message needs the node key: give nodePrivateKey to the payment loop',
        );
      }
      app.push(
        ...signSenderRecords({
          message: input.message,
          recipientNodeId: ctx.recipientNodeId,
          timestampNs: BigInt(Math.floor(ctx.nowMs)) * 1_000_000n,
          senderPrivateKey: ctx.nodePrivateKey,
        }),
      );
    } else {
      const m = typeof input.message === 'string' ? utf8.encode(input.message) : input.message;
      app.push({ type: WHATSAT.message, value: Uint8Array.from(m) });
    }
  }
  if (input.podcast !== undefined) {
    let text: string;
    if (typeof input.podcast === 'string') {
      try {
        JSON.parse(input.podcast);
      } catch {
        throw new PaymentError('invalid_request', 'podcast: expected a JSON object or JSON text');
      }
      text = input.podcast;
    } else {
      text = JSON.stringify(input.podcast, jsonBigint);
    }
    app.push({ type: PODCAST_RECORD_TYPE, value: utf8.encode(text) });
  }
  const customTypes = new Set(custom.map((r) => r.type));
  for (const r of app) {
    if (customTypes.has(r.type)) {
      throw new PaymentError(
        'invalid_custom_record',
        `custom record type ${r.type} collides with the ${r.type === PODCAST_RECORD_TYPE ? 'podcast' : 'message'} ` +
          'option: give the value through one of them',
      );
    }
  }
  return [...custom, ...app].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** The records as the store keeps them (type -> value). */
export function recordsMap(records: readonly TlvRecord[]): Map<bigint, Uint8Array> {
  return new Map(records.map((r) => [r.type, r.value]));
}

/** A short description of records for error messages. */
export function describeRecords(records: readonly TlvRecord[]): string {
  const bytes = records.reduce((n, r) => n + r.value.length, 0);
  return `${records.length} record(s), ${bytes} value bytes`;
}
