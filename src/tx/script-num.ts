// src/tx/script-num.ts: Bitcoin script numbers (CScriptNum): little-endian sign-magnitude,
// minimally encoded, at most 4 bytes as arithmetic operands (5 for CLTV/CSV).

/** Decodes a script number, or returns undefined if it is too long or not minimally encoded. */
export function decodeScriptNum(b: Uint8Array, maxLength = 4): bigint | undefined {
  if (b.length > maxLength) return undefined;
  if (b.length === 0) return 0n;
  const last = b[b.length - 1]!;
  // Minimal encoding: the top byte may only be 0x00/0x80 if the byte below needs its sign bit.
  if ((last & 0x7f) === 0 && (b.length === 1 || (b[b.length - 2]! & 0x80) === 0)) return undefined;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  const signBit = 0x80n << BigInt(8 * (b.length - 1));
  return (v & signBit) !== 0n ? -(v & ~signBit) : v;
}

/** Encodes a script number minimally. */
export function encodeScriptNum(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  const negative = n < 0n;
  let abs = negative ? -n : n;
  const out: number[] = [];
  while (abs > 0n) {
    out.push(Number(abs & 0xffn));
    abs >>= 8n;
  }
  if ((out[out.length - 1]! & 0x80) !== 0) out.push(negative ? 0x80 : 0x00);
  else if (negative) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** Script truth: any non-zero byte, except that "negative zero" (0x80 last) is false. */
export function castToBool(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0) return !(i === b.length - 1 && b[i] === 0x80);
  }
  return false;
}
