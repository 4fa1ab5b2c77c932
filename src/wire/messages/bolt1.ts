// BOLT 1 messages: setup and control.
import { chainHash, channelId, restArray, restBytes, u16, varBytes } from '../codec.js';
import { tlv } from '../tlv.js';
import { defineMessage } from './define.js';

/** Feature bit vectors are big-endian bytes (BOLT 9); the features module interprets them. */
export const init = defineMessage(
  16,
  'init',
  { globalfeatures: varBytes, features: varBytes },
  {
    /** BOLT 1: `networks`: the chains the node is interested in. */
    networks: tlv(1, restArray(chainHash)),
    /** BOLT 1: `remote_addr`: the address the sender sees the receiver connecting from. */
    remoteAddr: tlv(3, restBytes),
  },
);

export const error = defineMessage(17, 'error', { channelId, data: varBytes });

export const warning = defineMessage(1, 'warning', { channelId, data: varBytes });

export const ping = defineMessage(18, 'ping', { numPongBytes: u16, ignored: varBytes });

export const pong = defineMessage(19, 'pong', { ignored: varBytes });

export const bolt1Messages = [init, error, warning, ping, pong] as const;
