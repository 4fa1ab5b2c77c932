// src/invoice/hrp.ts: the human-readable part: `ln` + currency prefix + optional amount.
import { InvoiceError } from './errors.js';
import type { Network } from './types.js';

const PREFIX_TO_NETWORK: ReadonlyMap<string, Network> = new Map([
  ['bc', 'bitcoin'],
  ['tb', 'testnet'],
  ['tbs', 'signet'],
  ['bcrt', 'regtest'],
]);

const NETWORK_TO_PREFIX: Readonly<Record<Network, string>> = {
  bitcoin: 'bc',
  testnet: 'tb',
  signet: 'tbs',
  regtest: 'bcrt',
};

// One bitcoin is 10^11 msat; each multiplier as (numerator, denominator) in msat per unit.
const MSAT_PER_BTC = 100_000_000_000n;
const MULTIPLIERS: ReadonlyMap<string, { num: bigint; den: bigint }> = new Map([
  ['m', { num: 100_000_000n, den: 1n }],
  ['u', { num: 100_000n, den: 1n }],
  ['n', { num: 100n, den: 1n }],
  ['p', { num: 1n, den: 10n }],
]);

/** HTLC amounts are u64 msat: an invoice asking more than that can never be paid. */
export const MAX_AMOUNT_MSAT = 0xffff_ffff_ffff_ffffn;
// 2^64 msat is below 10^9 BTC: an amount with more digits than any multiplier allows is refused early.
const MAX_AMOUNT_DIGITS = 21;

export interface ParsedHrp {
  readonly network: Network;
  readonly amountMsat: bigint | undefined;
}

/** Parses a lower-case human-readable part. */
export function parseHrp(hrp: string): ParsedHrp {
  if (!hrp.startsWith('ln')) {
    throw new InvoiceError(
      'unknown_prefix',
      `expected the human-readable part to start with "ln", got "${hrp}"`,
    );
  }
  // The currency prefix is letters; the amount, when present, starts with a digit.
  const rest = hrp.slice(2);
  const firstDigit = rest.search(/[0-9]/);
  const currency = firstDigit === -1 ? rest : rest.slice(0, firstDigit);
  const amount = firstDigit === -1 ? '' : rest.slice(firstDigit);
  const network = PREFIX_TO_NETWORK.get(currency);
  // A reader that does not understand the prefix must fail the payment.
  // BOLT 11: "if it does NOT understand the `prefix`:"
  if (network === undefined) {
    throw new InvoiceError(
      'unknown_prefix',
      `unknown currency prefix "ln${currency}": expected lnbc, lntb, lntbs or lnbcrt`,
    );
  }
  // BOLT 11: "SHOULD indicate to the payer that amount is unspecified."
  if (amount === '') return { network, amountMsat: undefined };
  return { network, amountMsat: parseAmount(amount) };
}

function parseAmount(amount: string): bigint {
  const m = /^([0-9]+)([^0-9]?)$/.exec(amount);
  // BOLT 11: "if `amount` contains a non-digit OR is followed by anything except"
  if (m === null)
    throw new InvoiceError('invalid_amount', `amount "${amount}" is not digits plus an optional multiplier`);
  const digits = m[1]!;
  const letter = m[2]!;
  const multiplier = letter === '' ? { num: MSAT_PER_BTC, den: 1n } : MULTIPLIERS.get(letter);
  if (multiplier === undefined) {
    throw new InvoiceError('invalid_multiplier', `amount multiplier "${letter}" is not one of m, u, n, p`);
  }
  // A writer rule, enforced on reading too so that each amount has one spelling per multiplier:
  // BOLT 11: "MUST encode `amount` as a positive decimal integer with no leading 0s."
  if (digits.startsWith('0')) {
    throw new InvoiceError(
      'invalid_amount',
      `amount "${digits}" must be a positive integer without leading zeros`,
    );
  }
  if (digits.length > MAX_AMOUNT_DIGITS)
    throw new InvoiceError('invalid_amount', `amount "${digits}" is too large`);
  const value = BigInt(digits);
  // BOLT 11: "if multiplier is `p` and the last decimal of `amount` is not 0:"
  if (value % multiplier.den !== 0n) {
    throw new InvoiceError(
      'sub_millisatoshi_amount',
      `amount ${digits}p is not a whole number of millisatoshis (a p amount must end in 0)`,
    );
  }
  const msat = (value * multiplier.num) / multiplier.den;
  if (msat > MAX_AMOUNT_MSAT)
    throw new InvoiceError('invalid_amount', `amount ${msat} msat exceeds the u64 range`);
  return msat;
}

/** Builds the human-readable part; the amount uses the largest multiplier that keeps it an integer. */
export function formatHrp(network: Network, amountMsat: bigint | undefined): string {
  const prefix = `ln${NETWORK_TO_PREFIX[network]}`;
  if (amountMsat === undefined) return prefix;
  if (amountMsat <= 0n || amountMsat > MAX_AMOUNT_MSAT) {
    throw new InvoiceError('invalid_contents', `amountMsat must be in 1..2^64-1, got ${amountMsat}`);
  }
  // BOLT 11: "SHOULD use the shortest representation possible, by using the largest"
  if (amountMsat % MSAT_PER_BTC === 0n) return `${prefix}${amountMsat / MSAT_PER_BTC}`;
  for (const [letter, { num, den }] of MULTIPLIERS) {
    if ((amountMsat * den) % num === 0n) return `${prefix}${(amountMsat * den) / num}${letter}`;
  }
  throw new Error('unreachable: the p multiplier represents every msat amount');
}

export function isNetwork(value: unknown): value is Network {
  return typeof value === 'string' && Object.hasOwn(NETWORK_TO_PREFIX, value);
}
