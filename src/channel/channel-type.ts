// src/channel/channel-type.ts: the channel_type feature vectors we propose and accept (BOLT 2
// "Defined Channel Types").
import { FEATURES, Features, type OpenChannel } from '../wire/index.js';
import type { ChannelFormat, NegotiatedFeatures } from './types.js';

/** The features negotiated in `init` that matter to a channel, from both feature vectors. */
export function negotiatedFeatures(local: Features, remote: Features): NegotiatedFeatures {
  const both = (f: (typeof FEATURES)[keyof typeof FEATURES]) => local.offers(f) && remote.offers(f);
  return {
    upfrontShutdownScript: both(FEATURES.optionUpfrontShutdownScript),
    shutdownAnySegwit: both(FEATURES.optionShutdownAnysegwit),
    largeChannel: both(FEATURES.optionSupportLargeChannel),
    anchors: both(FEATURES.optionAnchors),
    scidAlias: both(FEATURES.optionScidAlias),
    simpleClose: both(FEATURES.optionSimpleClose),
  };
}

/**
 * The channel_type we propose. Every bit is the even (required) one: LDK refuses types with
 * optional bits. BOLT 2: "MUST use the smallest bitmap possible to represent the channel type."
 */
export function channelTypeFor(format: ChannelFormat, scidAlias: boolean): Uint8Array {
  const bits = [FEATURES.optionStaticRemotekey.required];
  if (format === 'anchors') bits.push(FEATURES.optionAnchors.required);
  if (scidAlias) bits.push(FEATURES.optionScidAlias.required);
  return Features.fromBits(bits).toBytes();
}

/** What a received channel_type means to us, or why it is not suitable. */
export type ChannelTypeVerdict =
  | { ok: true; format: ChannelFormat; scidAlias: boolean; bytes: Uint8Array }
  | { ok: false; reason: string };

/**
 * Judges a channel_type proposed in open_channel. Suitable: static_remotekey, optionally with
 * option_anchors (if we accept anchors) and option_scid_alias (private channels only).
 */
export function judgeChannelType(
  open: Pick<OpenChannel, 'channelFlags' | 'tlvs'>,
  acceptAnchors: boolean,
): ChannelTypeVerdict {
  const raw = open.tlvs?.channelType;
  // BOLT 2: "if the message doesn't include a `channel_type`: ... fail the channel."
  if (raw === undefined) return { ok: false, reason: 'open_channel has no channel_type' };
  const f = Features.fromBytes(raw);
  const known = new Set<number>([
    FEATURES.optionStaticRemotekey.required,
    FEATURES.optionAnchors.required,
    FEATURES.optionScidAlias.required,
  ]);
  const unknown = f.toBits().filter((b) => !known.has(b));
  if (unknown.length > 0)
    return { ok: false, reason: `channel_type has unsupported bits ${unknown.join(', ')}` };
  if (!f.has(FEATURES.optionStaticRemotekey.required))
    return { ok: false, reason: 'channel_type must require option_static_remotekey' };
  const anchors = f.has(FEATURES.optionAnchors.required);
  if (anchors && !acceptAnchors) return { ok: false, reason: 'we do not accept option_anchors channels' };
  const scidAlias = f.has(FEATURES.optionScidAlias.required);
  // BOLT 2: "if `announce_channel` is `true` (not `0`): ... MUST NOT send `channel_type` with the `option_scid_alias` bit set."
  if (scidAlias && (open.channelFlags & 1) === 1)
    return { ok: false, reason: 'option_scid_alias in the channel_type of an announced channel' };
  // BOLT 2: "MUST set `channel_type` to the `channel_type` from `open_channel`." (echoed byte for byte)
  return {
    ok: true,
    format: anchors ? 'anchors' : 'static_remotekey',
    scidAlias,
    bytes: Uint8Array.from(raw),
  };
}
