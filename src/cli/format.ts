// src/cli/format.ts: human output: aligned tables, amounts, ids and liquidity bars.

/** Columns padded to their widest cell; numbers-looking columns aligned right. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '(none)';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const right = headers.map((_, i) => rows.every((r) => /^[\d,.]+( sat)?$|^-$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - [...c].length));
        return right[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const group = (n: bigint): string => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** "1,234 sat", or "1,234.5 sat" for a fraction of a sat, from a msat decimal string. */
export function satFromMsat(msat: string): string {
  const m = BigInt(msat);
  const frac = m % 1000n;
  const f = frac === 0n ? '' : `.${frac.toString().padStart(3, '0').replace(/0+$/, '')}`;
  return `${group(m / 1000n)}${f} sat`;
}

export function sat(s: string): string {
  return `${group(BigInt(s))} sat`;
}

/** 0279be66…f81798 */
export function shortId(hex: string): string {
  return hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

/** [#######...] our share of a channel, `width` characters. */
export function liquidityBar(localMsat: string, remoteMsat: string, width = 20): string {
  const l = BigInt(localMsat);
  const total = l + BigInt(remoteMsat);
  const n = total === 0n ? 0 : Number((l * BigInt(width) + total / 2n) / total);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

export function when(unixMs: number): string {
  return new Date(unixMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** key: value lines, keys aligned. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/**
 * Parses an amount in sat: an integer, or a decimal with up to 3 places for msat precision.
 * Returns msat, or undefined for anything else.
 */
export function parseSatToMsat(text: string): bigint | undefined {
  const m = /^(\d{1,16})(?:\.(\d{1,3}))?$/.exec(text.replace(/_/g, ''));
  if (m === null) return undefined;
  return BigInt(m[1]!) * 1000n + BigInt((m[2] ?? '').padEnd(3, '0'));
}
