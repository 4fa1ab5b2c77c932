// BOLT 7 address descriptors (node_announcement `addresses`, init `remote_addr`): typed for the
// known types, and kept byte for byte from the first one we cannot parse, so that re-encoding a
// node_announcement reproduces the signed bytes exactly.
import { base32nopad } from '@scure/base';
import { type Codec, codec } from '../codec.js';
import { EncodeError } from '../errors.js';

export type NodeAddress =
  /** Type 1: 4-byte address. */
  | { type: 'ipv4'; addr: Uint8Array; port: number }
  /** Type 2: 16-byte address. */
  | { type: 'ipv6'; addr: Uint8Array; port: number }
  /** Type 3 (deprecated Tor v2): 10-byte onion address. */
  | { type: 'torv2'; addr: Uint8Array; port: number }
  /** Type 4: 35-byte Tor v3 onion address (ed25519 key, checksum, version). */
  | { type: 'torv3'; addr: Uint8Array; port: number }
  /**
   * Type 5: a DNS hostname. Each character is one wire byte (codes 0-255), so any received name
   * re-encodes exactly; the spec requires ASCII, which users of the name should check.
   */
  | { type: 'dns'; hostname: string; port: number }
  /**
   * Everything from the first descriptor of an unknown type (or a known one cut short) to the end
   * of the field, including that descriptor's type byte. Always last.
   */
  | { type: 'unknown'; bytes: Uint8Array };

const FIXED: Record<number, ['ipv4' | 'ipv6' | 'torv2' | 'torv3', number]> = {
  1: ['ipv4', 4],
  2: ['ipv6', 16],
  3: ['torv2', 10],
  4: ['torv3', 35],
};
const TYPE_BYTE = { ipv4: 1, ipv6: 2, torv2: 3, torv3: 4, dns: 5 } as const;
const ADDR_LENGTH = { ipv4: 4, ipv6: 16, torv2: 10, torv3: 35 } as const;

function parse(b: Uint8Array): NodeAddress[] {
  const out: NodeAddress[] = [];
  let i = 0;
  const port = (at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
  while (i < b.length) {
    const t = b[i] ?? 0;
    const fixed = FIXED[t];
    if (fixed !== undefined && b.length - i >= 1 + fixed[1] + 2) {
      const [type, n] = fixed;
      out.push({ type, addr: b.slice(i + 1, i + 1 + n), port: port(i + 1 + n) });
      i += 1 + n + 2;
      continue;
    }
    const n = b[i + 1];
    if (t === 5 && n !== undefined && b.length - i >= 2 + n + 2) {
      const hostname = String.fromCharCode(...b.subarray(i + 2, i + 2 + n));
      out.push({ type: 'dns', hostname, port: port(i + 2 + n) });
      i += 2 + n + 2;
      continue;
    }
    // BOLT 7: "SHOULD ignore the first `address descriptor` that does NOT match the types defined
    // above." Its length is unknown, so nothing after it can be parsed: keep the rest as it is.
    out.push({ type: 'unknown', bytes: b.slice(i) });
    break;
  }
  return out;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff)
    throw new EncodeError(`port out of range: ${port}`);
}

/**
 * A list of address descriptors filling all remaining bytes. Decoding never fails: what cannot be
 * parsed becomes a trailing `unknown` entry.
 */
export const addressDescriptors: Codec<NodeAddress[]> = codec<NodeAddress[]>(
  'address_descriptors',
  (w, list) => {
    list.forEach((a, idx) => {
      if (a.type === 'unknown') {
        if (idx !== list.length - 1) throw new EncodeError('an unknown address descriptor must be last');
        w.bytes(a.bytes);
        return;
      }
      checkPort(a.port);
      w.u8(TYPE_BYTE[a.type]);
      if (a.type === 'dns') {
        if (a.hostname.length > 255) throw new EncodeError('hostname longer than 255 bytes');
        w.u8(a.hostname.length);
        for (let i = 0; i < a.hostname.length; i++) w.u8(a.hostname.charCodeAt(i));
      } else {
        const n = ADDR_LENGTH[a.type];
        if (a.addr.length !== n) throw new EncodeError(`${a.type} address must be ${n} bytes`);
        w.bytes(a.addr);
      }
      w.u16(a.port);
    });
  },
  (r) => parse(r.rest()),
  { t: 'opaque' },
);

function ipv6Text(a: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((a[i] ?? 0) << 8) | (a[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/** `host:port` for display and for dialing (`[v6]:port`, `<base32>.onion:port`); undefined for `unknown`. */
export function formatAddress(a: NodeAddress): string | undefined {
  switch (a.type) {
    case 'ipv4':
      return `${Array.from(a.addr).join('.')}:${a.port}`;
    case 'ipv6':
      return `[${ipv6Text(a.addr)}]:${a.port}`;
    case 'torv2':
    case 'torv3':
      return `${base32nopad.encode(a.addr).toLowerCase()}.onion:${a.port}`;
    case 'dns':
      return `${a.hostname}:${a.port}`;
    case 'unknown':
      return undefined;
  }
}
