// src/invoices/app-fields.ts: what a keysend's app records say, decoded for display: the Whatsat
// chat message and its signed sender, and the bLIP 10 boost/stream JSON. Never fails a payment.
import {
  chatMessage,
  decodePodcastRecord,
  PODCAST_RECORD_TYPE,
  type PodcastRecord,
  verifySenderRecords,
  WHATSAT,
} from '../onion/index.js';
import type { CustomRecords } from '../store/index.js';
import { decode, tryDecode, u64 } from '../wire/index.js';
import type { StoredAppFields } from './types.js';

/** The decoded app fields of a keysend invoice; the records themselves stay byte-exact. */
export interface KeysendAppFields extends StoredAppFields {
  /** The bLIP 10 record (7629169), when present and valid JSON. */
  boost?: PodcastRecord;
}

/**
 * Decodes the records this node knows. `senderVerified` is true only when the node id in the
 * sender record signed exactly this message, timestamp and recipient (`recipientNodeId`, this
 * node); a sender that does not verify is still shown, unverified, with the reason. Returns
 * undefined when no app record is present.
 */
export function decodeKeysendAppFields(
  records: CustomRecords,
  recipientNodeId: Uint8Array,
): KeysendAppFields | undefined {
  const out: KeysendAppFields = { senderVerified: false };
  let any = false;
  const message = chatMessage(records);
  if (message !== undefined) {
    out.message = message;
    any = true;
  }
  const sender = records.get(WHATSAT.senderNodeId);
  if (sender !== undefined && sender.length === 33) {
    out.senderNodeId = Uint8Array.from(sender);
    any = true;
  }
  const ts = records.get(WHATSAT.timestamp);
  const timestamp = ts === undefined ? undefined : tryDecode(() => decode(u64, ts));
  if (timestamp?.ok === true) {
    out.timestampNs = timestamp.value;
    any = true;
  }
  const verification = verifySenderRecords(records, recipientNodeId);
  if (verification.kind === 'verified') out.senderVerified = true;
  else if (verification.kind === 'invalid') out.senderUnverifiedReason = verification.reason;
  const podcast = records.get(PODCAST_RECORD_TYPE);
  if (podcast !== undefined) {
    const boost = decodePodcastRecord(podcast);
    if (boost.ok) {
      out.boost = boost.value;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** The text an invoice list shows for a keysend: the chat message, else the boost's message. */
export function keysendMemo(app: KeysendAppFields | undefined): string {
  return cleanText(app?.message ?? app?.boost?.message ?? '');
}

const MAX_MEMO_CHARS = 1024;

// The store keeps text without NUL and well-formed; app text is whatever the sender put there.
function cleanText(s: string): string {
  const short = s.length > MAX_MEMO_CHARS ? s.slice(0, MAX_MEMO_CHARS) : s;
  return short.replace(/\0/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
