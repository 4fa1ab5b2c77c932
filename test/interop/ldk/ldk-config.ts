// test/interop/ldk/ldk-config.ts: LDK's UserConfig for the harness, built fresh each time (the
// bindings' field getters hand out references into the parent, which must not be set back).
import * as ldk from 'lightningdevkit';
import type { HarnessConfig } from './config.js';

export interface ChannelOverrides {
  /** announce_channel bit of channels we open (LDK's own default: private). */
  announce?: boolean;
  /** Propose option_anchors_zero_fee_htlc_tx for this channel. */
  anchors?: boolean;
}

/** The node's configuration; `overrides` adjust it for one outbound channel. */
export function userConfig(cfg: HarnessConfig, overrides: ChannelOverrides = {}): ldk.UserConfig {
  const handshake = ldk.ChannelHandshakeConfig.constructor_default();
  handshake.set_minimum_depth(cfg.minDepth);
  handshake.set_announce_for_forwarding(overrides.announce ?? false);
  handshake.set_negotiate_anchors_zero_fee_htlc_tx(overrides.anchors ?? cfg.anchors);

  const limits = ldk.ChannelHandshakeLimits.constructor_default();
  // Stock LDK refuses an inbound channel whose announce bit differs from its own preference.
  limits.set_force_announced_channel_preference(!cfg.acceptInboundPublic);

  const channel = ldk.ChannelConfig.constructor_default();
  if (cfg.maxDustExposureMsat !== undefined)
    channel.set_max_dust_htlc_exposure(
      ldk.MaxDustHTLCExposure.constructor_fixed_limit_msat(cfg.maxDustExposureMsat),
    );

  const config = ldk.UserConfig.constructor_default();
  config.set_channel_handshake_config(handshake);
  config.set_channel_handshake_limits(limits);
  config.set_channel_config(channel);
  config.set_accept_forwards_to_priv_channels(cfg.acceptForwardsToPrivChannels);
  config.set_accept_inbound_channels(true);
  // Every OpenChannelRequest comes to us, so that 0-conf can be granted and requests recorded.
  config.set_manually_accept_inbound_channels(true);
  return config;
}
