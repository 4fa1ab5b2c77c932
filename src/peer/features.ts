// src/peer/features.ts: the feature bits ksnode presents in `init` and in its node_announcement,
// each with the reason for its parity. The rule (issue 5): defaults that lnd, CLN, eclair and LDK
// all accept, and never *require* a feature a peer may lack.
import { FEATURES, type FeatureInfo, Features } from '../wire/index.js';

/** How we present one feature. */
export interface FeatureChoice {
  readonly feature: FeatureInfo;
  /** In `init`: the even bit (we require it), the odd bit (we support it), or absent. */
  readonly init: 'required' | 'optional' | undefined;
  /** In node_announcement: the parity we show, or absent. */
  readonly nodeAnnouncement: 'required' | 'optional' | undefined;
  /** Why this parity; the interoperability facts behind it. */
  readonly why: string;
}

function choice(
  feature: FeatureInfo,
  init: FeatureChoice['init'],
  nodeAnnouncement: FeatureChoice['nodeAnnouncement'],
  why: string,
): FeatureChoice {
  return Object.freeze({ feature, init, nodeAnnouncement, why });
}

/**
 * Every feature ksnode presents. Only ASSUMED features (BOLT 9: "`ASSUMED` to be present by all
 * nodes") are required: each of lnd, CLN, eclair and LDK implements them, and LDK refuses a peer
 * that does not offer them. Everything else is odd, so that no peer is refused for lacking it.
 */
export const FEATURE_CHOICES: readonly FeatureChoice[] = Object.freeze([
  choice(
    FEATURES.optionDataLossProtect,
    'required',
    undefined,
    'ASSUMED; LDK 0.1 refuses peers without it, lnd, CLN and eclair set it compulsory themselves, and ' +
      'BOLT 2 channel_reestablish always carries its fields, which our channel layer sends.',
  ),
  choice(
    FEATURES.optionUpfrontShutdownScript,
    'optional',
    'optional',
    'Supported so peers may commit to a close script; when the peer offers it too, open_channel and ' +
      'accept_channel must carry shutdown_scriptpubkey (empty to opt out), or LDK fails the channel.',
  ),
  choice(
    FEATURES.gossipQueries,
    'optional',
    undefined,
    'We answer and send gossip queries; LDK forwards gossip only to peers that offer it. BOLT 9 lists ' +
      'no context for it, so it stays out of node_announcement.',
  ),
  choice(
    FEATURES.varOnionOptin,
    'required',
    'required',
    'ASSUMED and a BOLT 9 "MUST support"; every implementation requires it. In node_announcement it ' +
      'is the dependency of keysend.',
  ),
  choice(
    FEATURES.optionStaticRemotekey,
    'required',
    undefined,
    'ASSUMED; our only non-anchor commitment format. LDK disconnects peers without it; lnd, CLN, ' +
      'eclair require it too.',
  ),
  choice(
    FEATURES.paymentSecret,
    'required',
    'required',
    'ASSUMED; all four implementations require it. In node_announcement it is the dependency of ' +
      'basic_mpp. Keysend senders omit the secret (LDK does), and the receive path accepts that.',
  ),
  choice(
    FEATURES.basicMpp,
    'optional',
    'optional',
    'We can receive multi-part payments; optional because a peer need not send them.',
  ),
  choice(
    FEATURES.optionAnchors,
    'optional',
    'optional',
    'Zero-fee-HTLC anchors are implemented in tx/, but LDK refuses a peer requiring them unless built ' +
      'with anchors, so optional only; channel_type picks it per channel.',
  ),
  choice(
    FEATURES.optionShutdownAnysegwit,
    'optional',
    'optional',
    'We accept future segwit versions in shutdown; optional like everywhere else.',
  ),
  choice(
    FEATURES.optionChannelType,
    'optional',
    undefined,
    'ASSUMED, and we always send the channel_type TLV; requiring it would gain nothing. Optional, as ' +
      'LDK and lnd present it.',
  ),
  choice(
    FEATURES.optionScidAlias,
    'optional',
    'optional',
    'We understand the alias in channel_ready (LDK always sends one); optional so peers may ignore it.',
  ),
  choice(
    FEATURES.optionSimpleClose,
    'optional',
    undefined,
    'closing_complete / closing_sig negotiation (src/channel/simple-close.ts), used when the peer offers ' +
      'it too; odd only, as LDK 0.1 does not know it (it ignores unknown odd bits) and we fall back to ' +
      'legacy closing_signed. Its dependency option_shutdown_anysegwit is offered above. Not in ' +
      'node_announcement: only channel peers use it, and they learn it from init.',
  ),
  choice(
    FEATURES.keysend,
    undefined,
    'optional',
    'bLIP 3 spontaneous payments: ksnode receives keysend. Its context is N only, so not in init.',
  ),
]);

function featuresFrom(pick: (c: FeatureChoice) => 'required' | 'optional' | undefined): Features {
  const set: [FeatureInfo, 'required' | 'optional'][] = [];
  for (const c of FEATURE_CHOICES) {
    const how = pick(c);
    if (how !== undefined) set.push([c.feature, how]);
  }
  return Features.of(...set);
}

/** The feature vector of our `init` messages (also the set of features we understand). */
export const OUR_INIT_FEATURES: Features = featuresFrom((c) => c.init);

/** The feature vector of our node_announcement (with keysend, bit 55). */
export const OUR_NODE_ANNOUNCEMENT_FEATURES: Features = featuresFrom((c) => c.nodeAnnouncement);
