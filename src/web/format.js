// format.js: amounts, ids and times for people. Amounts arrive as decimal strings (msat or sat).

const group = new Intl.NumberFormat('en-US');

/** "1,234 sat" from msat (a string); fractions of a sat shown when present. */
export function satFromMsat(msat) {
  const m = BigInt(msat);
  const sat = m / 1000n;
  const rest = m % 1000n;
  return `${group.format(sat)}${rest === 0n ? '' : `.${rest.toString().padStart(3, '0').replace(/0+$/, '')}`} sat`;
}

export function sat(satString) {
  return `${group.format(BigInt(satString))} sat`;
}

/** 02abcd…ef01 */
export function shortId(hex) {
  return hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

export function time(unixMs) {
  const d = new Date(unixMs);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The name to show for a node: its alias when known, else a short id. */
export function nameOf(nodeId, aliases) {
  return aliases.get(nodeId) || shortId(nodeId);
}
