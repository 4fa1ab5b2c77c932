// test/interop/ldk/ldk-values.ts: reading values out of lightningdevkit@0.1.0's bindings safely
// (pitfalls 1 and 2 of ../shared/notes/ldk-0.1-interop.md) and turning them into JSON.
import * as ldk from 'lightningdevkit';
import { bytesToHex } from '../../../src/crypto/index.js';
import type { Decimal, Hex } from './protocol.js';

/**
 * The bindings return a wrapper with a null pointer for Rust's `None` of a nullable object (and
 * calling a method on it is undefined behaviour), so every such value goes through here.
 */
export function nn<T extends object>(value: T | null | undefined): T | undefined {
  if (value === null || value === undefined) return undefined;
  const ptr = (value as unknown as { ptr?: unknown }).ptr;
  return ptr === 0n ? undefined : value;
}

export function hex(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}

/** A copy: byte arrays handed out by the bindings may be views the WASM side reuses. */
export function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** Reverses byte order: internal-order hashes (LDK, Rust) <-> display order (Esplora, explorers). */
export function reversed(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes).reverse();
}

/** Nullable pubkeys come back empty or all-zero rather than null. */
export function pubkeyOrNull(bytes: Uint8Array | null | undefined): Hex | null {
  if (bytes === null || bytes === undefined || bytes.length === 0 || bytes.every((b) => b === 0)) return null;
  return hex(bytes);
}

/**
 * lightningdevkit@0.1.0 writes a u128 into WASM little-endian and reads it back big-endian, so a
 * value we passed in comes back byte-reversed; this undoes that (and is its own inverse).
 */
export function u128FromLdk(value: bigint): bigint {
  let out = 0n;
  for (let i = 0; i < 16; i++) out = (out << 8n) | ((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

export function u64OrNull(o: ldk.Option_u64Z | null | undefined): Decimal | null {
  return o instanceof ldk.Option_u64Z_Some ? o.some.toString() : null;
}

export function u32OrNull(o: ldk.Option_u32Z | null | undefined): number | null {
  return o instanceof ldk.Option_u32Z_Some ? o.some : null;
}

export function bytes32OrNull(o: ldk.Option_ThirtyTwoBytesZ | null | undefined): Hex | null {
  return o instanceof ldk.Option_ThirtyTwoBytesZ_Some ? hex(o.some) : null;
}

export function channelIdHex(id: ldk.ChannelId | null | undefined): Hex | null {
  const c = nn(id);
  return c === undefined ? null : hex(c.get_a());
}

/** Bit numbers set in a little-endian feature flag vector (what `le_flags()` returns). */
export function bitsFromLeFlags(le: Uint8Array): number[] {
  const bits: number[] = [];
  le.forEach((byte, i) => {
    for (let j = 0; j < 8; j++) if ((byte >> j) & 1) bits.push(i * 8 + j);
  });
  return bits;
}

/** The BOLT 9 big-endian vector (as sent on the wire) of a little-endian flag vector, minimal. */
export function beFromLeFlags(le: Uint8Array): Hex {
  let n = le.length;
  while (n > 0 && le[n - 1] === 0) n--;
  return hex(Uint8Array.from(le.subarray(0, n)).reverse());
}

/** The name of a numeric TS enum member exported by the bindings (e.g. `RouteNotFound`). */
export function enumName(e: Record<number, string>, value: number, prefix: string): string {
  const name = e[value];
  return name === undefined ? String(value) : name.replace(prefix, '');
}

/** An error message for any of LDK's APIError variants. */
export function apiErrorText(err: ldk.APIError): string {
  if (err instanceof ldk.APIError_APIMisuseError) return `APIMisuseError: ${err.err}`;
  if (err instanceof ldk.APIError_FeeRateTooHigh) return `FeeRateTooHigh: ${err.err} (${err.feerate} sat/kw)`;
  if (err instanceof ldk.APIError_InvalidRoute) return `InvalidRoute: ${err.err}`;
  if (err instanceof ldk.APIError_ChannelUnavailable) return `ChannelUnavailable: ${err.err}`;
  if (err instanceof ldk.APIError_MonitorUpdateInProgress) return 'MonitorUpdateInProgress';
  if (err instanceof ldk.APIError_IncompatibleShutdownScript) return 'IncompatibleShutdownScript';
  return err.constructor.name;
}
