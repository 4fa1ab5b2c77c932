// BOLT 1 peer storage (option_provide_storage): a peer keeps an encrypted blob for us and hands it
// back after reconnecting. Declared apart from bolt1.ts, which holds the setup and control messages.
import { varBytes } from '../codec.js';
import { defineMessage, type MessageOf } from './define.js';

/** BOLT 1, the sender: "MUST limit its `blob` to 65531 bytes." */
export const MAX_PEER_STORAGE_BLOB = 65531;

export const peerStorage = defineMessage(7, 'peer_storage', { blob: varBytes });

export const peerStorageRetrieval = defineMessage(9, 'peer_storage_retrieval', { blob: varBytes });

export const peerStorageMessages = [peerStorage, peerStorageRetrieval] as const;

export type PeerStorage = MessageOf<typeof peerStorage>;
export type PeerStorageRetrieval = MessageOf<typeof peerStorageRetrieval>;
