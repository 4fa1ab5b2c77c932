// App records carried in a keysend's final payload: the bLIP 3 preimage, Whatsat chat records
// (message, signed sender) and the bLIP 10 podcasting JSON. Facts: ../shared/notes/keysend-apps.md.
import {
  concatBytes,
  ecdsaSign,
  ecdsaVerify,
  isPrivateKey,
  isPublicKey,
  publicKeyCreate,
  sha256,
  signatureFromDer,
  signatureNormalize,
  signatureToDer,
} from '../crypto/index.js';
import { decode, encode, type TlvRecord, tryDecode, u64 } from '../wire/index.js';

/** bLIP 3: "MUST include a TLV record keyed by type `5482373484`" carrying the preimage. */
export const KEYSEND_PREIMAGE_TYPE = 5482373484n;
/** BOLT 1: "to 2^16 are available for custom records." (types greater than or equal) */
export const FIRST_CUSTOM_RECORD_TYPE = 65536n;

/** Whatsat chat-over-keysend record types. */
export const WHATSAT = {
  /** The chat message, UTF-8. Even: a receiver that does not know it must fail the payment. */
  message: 34349334n,
  /** The sender's node id, 33 bytes. */
  senderNodeId: 34349339n,
  /** The sender's signature over sender || recipient || timestamp || message. */
  signature: 34349337n,
  /** Send time in nanoseconds since the Unix epoch, 8 bytes big-endian. */
  timestamp: 34349343n,
} as const;

/** bLIP 10: the podcasting 2.0 JSON record. */
export const PODCAST_RECORD_TYPE = 7629169n;

/**
 * Value-split records of podcast apps (keysend-apps.md): several recipients of a podcast's value
 * block can share one node and are told apart by these. 818818 is even, so a node that did not
 * know it would have to fail every split payment carrying it; we keep and show it byte-exact.
 */
export const PODCAST_SPLIT_RECORDS = {
  /** Odd: a wallet or account id at a custodial node (text). */
  walletId: 696969n,
  /** Even: a Hive (or other) account id of the recipient (text). */
  accountId: 818818n,
} as const;

/** Even app record types ksnode understands, so their presence must not fail a payment. */
export const KNOWN_APP_EVEN_TYPES: ReadonlySet<bigint> = new Set([
  WHATSAT.message,
  PODCAST_SPLIT_RECORDS.accountId,
]);

/** The custom records of a payload (types >= 65536), without the keysend preimage, byte-exact. */
export function customRecords(records: ReadonlyMap<bigint, Uint8Array>): Map<bigint, Uint8Array> {
  return new Map([...records].filter(([t]) => t >= FIRST_CUSTOM_RECORD_TYPE && t !== KEYSEND_PREIMAGE_TYPE));
}

// ---------- Whatsat ----------

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(b: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(b);
  } catch {
    return undefined;
  }
}

/** The bytes the Whatsat sender signs: sender(33) || recipient(33) || timestamp(8) || message. */
export function senderSignedData(
  senderNodeId: Uint8Array,
  recipientNodeId: Uint8Array,
  timestampNs: bigint,
  message: Uint8Array,
): Uint8Array {
  return concatBytes(senderNodeId, recipientNodeId, encode(u64, timestampNs), message);
}

export interface SenderRecordsInput {
  /** The chat message (a string is sent as UTF-8). */
  message: string | Uint8Array;
  recipientNodeId: Uint8Array;
  /** Nanoseconds since the Unix epoch (the caller reads the clock). */
  timestampNs: bigint;
  /** The sender's node private key. */
  senderPrivateKey: Uint8Array;
  /** 'der' (the app's documented format, the default) or 'compact' (64-byte r || s, current lnd). */
  signatureEncoding?: 'der' | 'compact';
}

/**
 * The Whatsat records of a signed chat message: message, sender node id, signature and timestamp,
 * sorted by type, ready to append to a keysend payload. The signature is ECDSA by the sender's node
 * key over SHA-256 of `senderSignedData`.
 */
export function signSenderRecords(input: SenderRecordsInput): TlvRecord[] {
  if (!isPrivateKey(input.senderPrivateKey))
    throw new TypeError('senderPrivateKey is not a valid private key');
  if (input.timestampNs < 0n || input.timestampNs > 0xffffffffffffffffn) {
    throw new RangeError(`timestampNs out of range: ${input.timestampNs}`);
  }
  const message = typeof input.message === 'string' ? utf8.encode(input.message) : input.message;
  const sender = publicKeyCreate(input.senderPrivateKey);
  const digest = sha256(senderSignedData(sender, input.recipientNodeId, input.timestampNs, message));
  const compact = ecdsaSign(digest, input.senderPrivateKey);
  const signature = (input.signatureEncoding ?? 'der') === 'der' ? signatureToDer(compact) : compact;
  const records: TlvRecord[] = [
    { type: WHATSAT.message, value: Uint8Array.from(message) },
    { type: WHATSAT.senderNodeId, value: sender },
    { type: WHATSAT.signature, value: signature },
    { type: WHATSAT.timestamp, value: encode(u64, input.timestampNs) },
  ];
  return records.sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** The outcome of checking a keysend's Whatsat sender records. */
export type SenderVerification =
  | {
      kind: 'verified';
      senderNodeId: Uint8Array;
      timestampNs: bigint;
      /** The message bytes that were signed (decode with `chatMessage` for text). */
      message: Uint8Array;
    }
  /** No sender id or no signature: an anonymous message, nothing to check. */
  | { kind: 'unsigned' }
  /** Records present but malformed, or a signature that does not verify: show as unverified. */
  | { kind: 'invalid'; reason: string };

function parseSignature(sig: Uint8Array): Uint8Array | undefined {
  if (sig.length === 64) return sig;
  try {
    return signatureFromDer(sig);
  } catch {
    return undefined;
  }
}

/**
 * Checks Whatsat's signed-sender records against the recipient (this node's id). Verified only when
 * the node id in 34349339 signed exactly these bytes for this recipient. Both signature encodings
 * are accepted (64-byte compact and DER), as the app's releases have sent both.
 */
export function verifySenderRecords(
  records: ReadonlyMap<bigint, Uint8Array>,
  recipientNodeId: Uint8Array,
): SenderVerification {
  const sender = records.get(WHATSAT.senderNodeId);
  const sig = records.get(WHATSAT.signature);
  if (sender === undefined || sig === undefined) return { kind: 'unsigned' };
  if (sender.length !== 33 || !isPublicKey(sender)) {
    return { kind: 'invalid', reason: 'sender node id is not a 33-byte public key' };
  }
  const ts = records.get(WHATSAT.timestamp);
  const timestamp = ts === undefined ? undefined : tryDecode(() => decode(u64, ts));
  if (timestamp === undefined || !timestamp.ok) {
    return { kind: 'invalid', reason: 'timestamp record is missing or not 8 bytes' };
  }
  const compact = parseSignature(sig);
  if (compact === undefined) return { kind: 'invalid', reason: 'signature is neither 64-byte nor DER' };
  const message = records.get(WHATSAT.message) ?? new Uint8Array(0);
  const digest = sha256(senderSignedData(sender, recipientNodeId, timestamp.value, message));
  let normalized: Uint8Array;
  try {
    normalized = signatureNormalize(compact);
  } catch {
    return { kind: 'invalid', reason: 'signature values are out of range' };
  }
  if (!ecdsaVerify(normalized, digest, sender)) {
    return { kind: 'invalid', reason: 'signature does not match sender, recipient, timestamp and message' };
  }
  return { kind: 'verified', senderNodeId: sender, timestampNs: timestamp.value, message };
}

/** The Whatsat chat message as text, if present and valid UTF-8. */
export function chatMessage(records: ReadonlyMap<bigint, Uint8Array>): string | undefined {
  const m = records.get(WHATSAT.message);
  return m === undefined ? undefined : decodeUtf8(m);
}

// ---------- bLIP 10 podcasting ----------

/** The bLIP 10 fields we know, typed; `fields` keeps every key as parsed and `raw` the exact bytes. */
export interface PodcastRecord {
  action?: string;
  podcast?: string;
  feedId?: number;
  url?: string;
  guid?: string;
  episode?: string;
  itemId?: number;
  episodeGuid?: string;
  time?: string;
  /** Playback position in the episode, seconds. */
  ts?: number;
  appName?: string;
  appVersion?: string;
  boostLink?: string;
  /** The boostagram text. */
  message?: string;
  name?: string;
  pubkey?: string;
  secondsBack?: number;
  senderKey?: string;
  senderName?: string;
  senderId?: string;
  sigFields?: string;
  signature?: string;
  speed?: string;
  uuid?: string;
  valueMsat?: bigint;
  valueMsatTotal?: bigint;
  fields: Readonly<Record<string, unknown>>;
  raw: Uint8Array;
}

type PodcastKind = 'str' | 'int' | 'msat';
type PodcastKey = Exclude<keyof PodcastRecord, 'fields' | 'raw'>;

// bLIP 10's key list: JSON key -> our property, and its type ("str" or "int"; amounts as bigint msat).
const PODCAST_FIELDS: readonly (readonly [string, PodcastKey, PodcastKind])[] = [
  ['action', 'action', 'str'],
  ['podcast', 'podcast', 'str'],
  ['feedID', 'feedId', 'int'],
  ['url', 'url', 'str'],
  ['guid', 'guid', 'str'],
  ['episode', 'episode', 'str'],
  ['itemID', 'itemId', 'int'],
  ['episode_guid', 'episodeGuid', 'str'],
  ['time', 'time', 'str'],
  ['ts', 'ts', 'int'],
  ['app_name', 'appName', 'str'],
  ['app_version', 'appVersion', 'str'],
  ['boost_link', 'boostLink', 'str'],
  ['message', 'message', 'str'],
  ['name', 'name', 'str'],
  ['pubkey', 'pubkey', 'str'],
  ['seconds_back', 'secondsBack', 'int'],
  ['sender_key', 'senderKey', 'str'],
  ['sender_name', 'senderName', 'str'],
  ['sender_id', 'senderId', 'str'],
  ['sig_fields', 'sigFields', 'str'],
  ['signature', 'signature', 'str'],
  ['speed', 'speed', 'str'],
  ['uuid', 'uuid', 'str'],
  ['value_msat', 'valueMsat', 'msat'],
  ['value_msat_total', 'valueMsatTotal', 'msat'],
];

// Apps disagree on types (feedID as a string, speed as a number): accept the obvious conversions and
// drop a field only when it cannot mean what bLIP 10 says.
function podcastValue(v: unknown, kind: PodcastKind): string | number | bigint | undefined {
  if (kind === 'str') return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) return undefined;
  return kind === 'msat' ? BigInt(n) : n;
}

/** Parses a bLIP 10 record (UTF-8 JSON object). Never throws: bad input gives `{ ok: false }`. */
export function decodePodcastRecord(
  value: Uint8Array,
): { ok: true; value: PodcastRecord } | { ok: false; reason: string } {
  const text = decodeUtf8(value);
  if (text === undefined) return { ok: false, reason: 'not valid UTF-8' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const fields = parsed as Record<string, unknown>;
  const out: Record<string, unknown> = { fields, raw: Uint8Array.from(value) };
  for (const [key, prop, kind] of PODCAST_FIELDS) {
    if (!Object.hasOwn(fields, key)) continue;
    const v = podcastValue(fields[key], kind);
    if (v !== undefined) out[prop] = v;
  }
  return { ok: true, value: out as unknown as PodcastRecord };
}
