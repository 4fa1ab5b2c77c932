// src/peer/remote-addr.ts: the `remote_addr` we put in `init` for an inbound connection: the
// address the peer connected from, as a BOLT 7 address descriptor, unless it is a private one.
import { isIPv4, isIPv6 } from 'node:net';
import type { NodeAddress } from '../wire/index.js';

function parseIpv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** 16 bytes of an IPv6 address in text form (with `::` and an optional dotted IPv4 tail). */
function parseIpv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let s = text.replace(/%.*$/, ''); // zone id
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = s.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  all.forEach((g, i) => {
    out[2 * i] = (g >> 8) & 0xff;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail !== undefined) out.set(tail, 12);
  return out;
}

/**
 * Whether an IPv4 address is not reachable from the public Internet (this network, private,
 * shared, loopback, link-local, benchmarking, documentation, multicast and reserved ranges).
 */
export function isPrivateIpv4(a: Uint8Array): boolean {
  const [x = 0, y = 0, z = 0] = a;
  return (
    x === 0 ||
    x === 10 ||
    (x === 100 && y >= 64 && y < 128) ||
    x === 127 ||
    (x === 169 && y === 254) ||
    (x === 172 && y >= 16 && y < 32) ||
    (x === 192 && y === 0 && (z === 0 || z === 2)) ||
    (x === 192 && y === 168) ||
    (x === 198 && (y === 18 || y === 19)) ||
    (x === 198 && y === 51 && z === 100) ||
    (x === 203 && y === 0 && z === 113) ||
    x >= 224
  );
}

/** Whether an IPv6 address is not globally reachable (unspecified, loopback, ULA, link-local, multicast, documentation). */
export function isPrivateIpv6(a: Uint8Array): boolean {
  const [x = 0, y = 0, , , , , , , , , , , , , , last = 0] = a;
  const zeroHead = a.subarray(0, 15).every((b) => b === 0);
  return (
    (zeroHead && (last === 0 || last === 1)) ||
    (x & 0xfe) === 0xfc ||
    (x === 0xfe && (y & 0xc0) === 0x80) ||
    x === 0xff ||
    (x === 0x20 && y === 0x01 && a[2] === 0x0d && a[3] === 0xb8)
  );
}

/**
 * The address descriptor for `remote_addr`, or undefined when there should be none.
 * BOLT 1: "SHOULD NOT set private addresses as `remote_addr`."
 */
export function remoteAddrFor(host: string, port: number): NodeAddress | undefined {
  if (!Number.isInteger(port) || port <= 0 || port > 0xffff) return undefined;
  if (isIPv4(host)) {
    const addr = parseIpv4(host);
    return isPrivateIpv4(addr) ? undefined : { type: 'ipv4', addr, port };
  }
  if (!isIPv6(host)) return undefined;
  const addr = parseIpv6(host);
  const mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
  if (mapped) {
    const v4 = addr.slice(12);
    return isPrivateIpv4(v4) ? undefined : { type: 'ipv4', addr: v4, port };
  }
  return isPrivateIpv6(addr) ? undefined : { type: 'ipv6', addr, port };
}
