// src/routing/short-channel-id.ts: the human-readable `BxTxO` form of a short_channel_id (BOLT 7),
// for loaders, logs and the API edge; inside, a short channel id is a u64 bigint.

// BOLT 7: "the most significant 3 bytes: indicating the block height" ... "the next 3 bytes:
// indicating the transaction index within the block" ... "the least significant 2 bytes: indicating
// the output index that pays to the channel."
const BLOCK_MAX = 0xff_ffff;
const TX_MAX = 0xff_ffff;
const OUTPUT_MAX = 0xffff;

/** `block << 40 | tx << 16 | output`, or undefined if a part is out of range. */
export function encodeShortChannelId(
  block: number,
  txIndex: number,
  outputIndex: number,
): bigint | undefined {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!ok(block, BLOCK_MAX) || !ok(txIndex, TX_MAX) || !ok(outputIndex, OUTPUT_MAX)) return undefined;
  return (BigInt(block) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}

/**
 * Parses `539268x845x1`. BOLT 7: "Each component is printed as a decimal number, and separated from
 * each other by the small letter `x`." Returns undefined for anything else.
 */
export function parseShortChannelId(text: string): bigint | undefined {
  const m = /^(\d{1,8})x(\d{1,8})x(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  return encodeShortChannelId(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** The `BxTxO` form of a u64 short channel id. */
export function formatShortChannelId(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xff_ffffn}x${scid & 0xffffn}`;
}
