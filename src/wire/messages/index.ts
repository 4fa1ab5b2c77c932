// The message registry: every message type we know, decoded and encoded through one table.
import { DecodeError, type DecodeResult, EncodeError, tryDecode } from '../errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { bolt1Messages } from './bolt1.js';
import { bolt2Messages } from './bolt2.js';
import { bolt7Messages } from './bolt7.js';
import type { MessageDef, MessageOf } from './define.js';
import { peerStorageMessages } from './peer-storage.js';

export * from './addresses.js';
export * from './bolt1.js';
export * from './bolt2.js';
export * from './bolt7.js';
export type { MessageDef, MessageOf, MessageValue } from './define.js';
export { defineMessage } from './define.js';
export * from './encoded.js';
export * from './json.js';
export * from './peer-storage.js';

/** Every message definition ksnode knows, in one list (BOLT 1, 2, 7). */
export const ALL_MESSAGES = [
  ...bolt1Messages,
  ...peerStorageMessages,
  ...bolt2Messages,
  ...bolt7Messages,
] as const;

export type WireMessage = MessageOf<(typeof ALL_MESSAGES)[number]>;
export type MessageKind = WireMessage['kind'];

/** A message whose type we do not know. BOLT 1: ignore it if odd, close the connection if even. */
export interface UnknownMessage {
  kind: 'unknown';
  type: number;
  payload: Uint8Array;
}

const byType = new Map<number, MessageDef>();
const byKind = new Map<string, MessageDef>();
for (const d of ALL_MESSAGES as readonly MessageDef[]) {
  if (byType.has(d.type)) throw new Error(`duplicate message type ${d.type}`);
  byType.set(d.type, d);
  byKind.set(d.kind, d);
}

/** The numeric type of a message kind. */
export function messageType(kind: MessageKind): number {
  const d = byKind.get(kind);
  if (d === undefined) throw new EncodeError(`unknown message kind ${kind}`);
  return d.type;
}

/** Encodes a message: 2-byte big-endian type, then its payload and extension. */
export function encodeMessage(msg: WireMessage | UnknownMessage): Uint8Array {
  const w = new Writer();
  if (msg.kind === 'unknown') {
    w.u16(msg.type);
    w.bytes(msg.payload);
  } else {
    const d = byKind.get(msg.kind);
    if (d === undefined) throw new EncodeError(`unknown message kind ${msg.kind}`);
    w.u16(d.type);
    d.payload.encode(w, msg);
  }
  return Uint8Array.from(w.finish());
}

/**
 * Decodes one whole Lightning message. Never throws on untrusted input: a malformed message gives
 * `{ ok: false, error }`; a message of unknown type gives an `UnknownMessage` value.
 */
export function decodeMessage(bytes: Uint8Array): DecodeResult<WireMessage | UnknownMessage> {
  return tryDecode(() => {
    const r = new Reader(bytes);
    const type = r.u16();
    const d = byType.get(type);
    if (d === undefined) return { kind: 'unknown', type, payload: r.rest() };
    const v = d.payload.decode(r) as WireMessage;
    if (r.remaining !== 0) throw new DecodeError('trailing_bytes', 'bytes after the extension', d.kind);
    return v;
  });
}
