// src/node/gossip-bridge.ts: our channels as gossip sees them, and the keys gossip signs with.
import type { ChannelSnapshot } from '../channel/index.js';
import { ecdsaSign, equalBytes } from '../crypto/index.js';
import type { GossipSigner, OurChannel } from '../gossip/index.js';
import { deriveChannelKeys } from '../tx/index.js';
import { aliasesOf, type FeeSettings, htlcLimitsOf } from './links.js';

/** BOLT 7: announcement_signatures wait until the funding "won't be reorganized": 6 blocks. */
export const ANNOUNCEMENT_DEPTH = 6;

/** A channel past opening whose channel_ready went both ways (BOLT 7's condition for updates). */
function readyBothWays(s: ChannelSnapshot): boolean {
  return s.state.channelReadySent && s.state.channelReadyReceived;
}

/**
 * How gossip should see one of our channels, or undefined while it has nothing to say (opening,
 * or no short_channel_id of any kind yet).
 */
export function ourChannelOf(s: ChannelSnapshot, fees: FeeSettings): OurChannel | undefined {
  const st = s.state;
  if (s.temporary || st.remote === undefined || st.localCommit === undefined) return undefined;
  const usable = readyBothWays(s) && (st.phase === 'normal' || st.phase === 'shutdown');
  const scid = st.shortChannelId ?? st.remoteAlias ?? st.localAlias;
  const limits = htlcLimitsOf(s);
  return {
    channelId: s.channelId,
    shortChannelId: scid,
    aliases: aliasesOf(s).filter((a) => a !== scid),
    peerNodeId: s.peerNodeId,
    announce: st.announce,
    usable,
    announcementReady:
      usable &&
      st.shortChannelId !== undefined &&
      st.localShutdown === undefined &&
      st.fundingDepth >= ANNOUNCEMENT_DEPTH,
    ourFundingPubkey: st.local.fundingPubkey,
    theirFundingPubkey: st.remote.fundingPubkey,
    capacitySat: st.fundingSat,
    policy: {
      cltvExpiryDelta: fees.cltvExpiryDelta,
      htlcMinimumMsat: limits.minimumMsat,
      htlcMaximumMsat: limits.maximumMsat,
      feeBaseMsat: fees.feeBaseMsat,
      feeProportionalMillionths: fees.feeProportionalMillionths,
    },
    disabled: !s.usable,
  };
}

/** Signs gossip with the node key, and with a channel's funding key (found among our channels). */
export function gossipSigner(
  nodeId: Uint8Array,
  nodePrivateKey: Uint8Array,
  channels: () => readonly ChannelSnapshot[],
): GossipSigner {
  return {
    nodeId,
    signWithNodeKey: (digest) => ecdsaSign(digest, nodePrivateKey),
    signWithFundingKey: (fundingPubkey, digest) => {
      const ch = channels().find((c) => equalBytes(c.state.local.fundingPubkey, fundingPubkey));
      if (ch === undefined) throw new Error('no channel of ours has this funding key');
      return ecdsaSign(digest, deriveChannelKeys(ch.state.channelSeed).fundingPrivkey);
    },
  };
}
