// ksnode/peer: per-peer sessions over BOLT 8: `init` and features, ping/pong, `error`/`warning`,
// limits, one connection per peer, redialling the peers we keep channels with.
//
// Two layers:
// - core (pure): `PeerSession` takes received message bytes and the time and returns what to send,
//   what to tell the node and whether to disconnect; `RatePolicer`, `backoffDelay` and
//   `keepNewConnection` are the small decisions the shell relies on.
// - shell: `PeerManager` listens and dials through src/transport, runs a session per connection,
//   ticks them, enforces the limits and emits events for the node:
//
//   const peers = new PeerManager({ localPrivateKey, chainHash });
//   peers.on('peerConnected', (nodeId, features) => channels.reestablish(nodeId, features));
//   peers.on('message', (nodeId, msg) => route(nodeId, msg)); // channel, gossip and other messages
//   peers.on('errorReceived', (nodeId, channelId, text, allChannels) => channels.fail(...));
//   await peers.listen('0.0.0.0', 9735);
//   await peers.connect(nodeId, '203.0.113.5', 9735);
//   peers.addPersistentPeer(nodeId, '203.0.113.5', 9735); // keep connected: we have a channel
//   if (peers.send(nodeId, msg) === 'buffer_full') await once(peers, 'drain');

export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { keepNewConnection, type PeerDirection } from './duplicate.js';
export {
  type DisconnectCode,
  type DisconnectReason,
  disconnectReason,
  PeerError,
  type PeerErrorCode,
} from './errors.js';
export {
  FEATURE_CHOICES,
  type FeatureChoice,
  OUR_INIT_FEATURES,
  OUR_NODE_ANNOUNCEMENT_FEATURES,
} from './features.js';
export { type PeerInfo, PeerManager, type PeerManagerEvents, type PeerSendResult } from './manager.js';
export { type MessageGroup, messageGroup } from './message-class.js';
export {
  DEFAULT_PEER_LIMITS,
  DEFAULT_PEER_TIMING,
  type PeerLimits,
  type PeerManagerOptions,
  type PeerTiming,
} from './options.js';
export { type RateLimit, RatePolicer, type RateVerdict } from './rate-limit.js';
export { isPrivateIpv4, isPrivateIpv6, remoteAddrFor } from './remote-addr.js';
export {
  DEFAULT_MESSAGE_RATE,
  DEFAULT_PING_RATE,
  DEFAULT_ROUTING_COST,
  DEFAULT_SESSION_TIMING,
  type DispatchedMessage,
  errorMessage,
  PeerSession,
  PONG_BYTES_IGNORE_THRESHOLD,
  type SessionEvent,
  type SessionMessageKind,
  type SessionOptions,
  type SessionState,
  type SessionStep,
  type SessionTiming,
  warningMessage,
} from './session.js';
export { errorData, isPrintableAscii, printableErrorText } from './text.js';
