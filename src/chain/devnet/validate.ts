// src/chain/devnet/validate.ts: may this transaction enter the next block? (pure)
// The consensus rules a Lightning node leans on: inputs exist and are unspent, no double spend,
// value is not created, coinbase maturity, nLockTime (BIP 113) and BIP 68 relative locks, and
// every input's script and signature.
import { outpointKey } from '../ids.js';
import { inputOutpoint, isCoinbase, type ParsedTx } from '../tx.js';

/** An unspent output as the validator needs it. `height` is the next block's for mempool coins. */
export interface Coin {
  valueSat: bigint;
  script: Uint8Array;
  height: number;
  coinbase: boolean;
}

/** Checks one input's witness against the output it spends (src/tx/script-check.ts). */
export type InputVerifier = (
  rawTx: Uint8Array,
  inputIndex: number,
  prevoutScript: Uint8Array,
  prevoutAmountSat: bigint,
) => { ok: true } | { ok: false; reason: string };

export interface TxCheckContext {
  /** Coins in the chain and in the mempool, by `outpointKey`. */
  coin(key: string): Coin | undefined;
  /** The mempool transaction (display txid) already spending this outpoint, if any. */
  mempoolSpender(key: string): string | undefined;
  /** Height of the block the transaction would enter (tip + 1). */
  nextHeight: number;
  /** Median time past of the tip (BIP 113 measures time locks against it). */
  tipMedianTimePast: number;
  /** Median time past of the block at `height`. */
  medianTimePastAt(height: number): number;
  coinbaseMaturity: number;
  verifyInput: InputVerifier;
}

export type TxRejectCode =
  | 'coinbase'
  | 'empty'
  | 'duplicate-input'
  | 'missing-input'
  | 'double-spend'
  | 'immature-coinbase'
  | 'value-out-of-range'
  | 'outputs-exceed-inputs'
  | 'non-final'
  | 'sequence-lock'
  | 'script';

export type TxCheck = { ok: true; feeSat: bigint } | { ok: false; code: TxRejectCode; message: string };

const SEQUENCE_FINAL = 0xffffffff;
const LOCKTIME_THRESHOLD = 500_000_000;
// BIP 68 fields of nSequence.
const SEQUENCE_LOCKTIME_DISABLE_FLAG = 1 << 31;
const SEQUENCE_LOCKTIME_TYPE_FLAG = 1 << 22;
const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;
const SEQUENCE_LOCKTIME_GRANULARITY = 9;
const MAX_MONEY = 21_000_000n * 100_000_000n;

export function checkTransaction(ptx: ParsedTx, ctx: TxCheckContext): TxCheck {
  const { tx } = ptx;
  const reject = (code: TxRejectCode, message: string): TxCheck => ({ ok: false, code, message });
  if (isCoinbase(tx)) return reject('coinbase', 'a coinbase transaction cannot be broadcast');
  if (tx.inputs.length === 0 || tx.outputs.length === 0)
    return reject('empty', 'a transaction needs inputs and outputs');

  let outSum = 0n;
  for (const [i, o] of tx.outputs.entries()) {
    if (o.amount < 0n || o.amount > MAX_MONEY)
      return reject('value-out-of-range', `output ${i} has value ${o.amount}`);
    outSum += o.amount;
  }

  const seen = new Set<string>();
  const coins: Coin[] = [];
  let inSum = 0n;
  for (let i = 0; i < tx.inputs.length; i++) {
    const key = outpointKey(inputOutpoint(tx, i));
    if (seen.has(key)) return reject('duplicate-input', `input ${i} spends ${key} twice in one transaction`);
    seen.add(key);
    const spender = ctx.mempoolSpender(key);
    if (spender !== undefined) {
      return reject(
        'double-spend',
        `double spend: input ${i} spends ${key}, already spent by mempool transaction ${spender}`,
      );
    }
    const coin = ctx.coin(key);
    if (coin === undefined) {
      return reject(
        'missing-input',
        `input ${i} spends ${key}, which does not exist or is already spent in the chain`,
      );
    }
    if (coin.coinbase && ctx.nextHeight - coin.height < ctx.coinbaseMaturity) {
      return reject(
        'immature-coinbase',
        `input ${i} spends coinbase output ${key} from height ${coin.height}: it needs ${ctx.coinbaseMaturity} confirmations, so it can enter block ${coin.height + ctx.coinbaseMaturity} at the earliest`,
      );
    }
    coins.push(coin);
    inSum += coin.valueSat;
  }
  if (outSum > inSum)
    return reject('outputs-exceed-inputs', `outputs pay ${outSum} sat but inputs hold only ${inSum} sat`);

  // nLockTime (IsFinalTx): final if zero, if below the next height / the tip's median time, or
  // if every input opts out with a final sequence.
  const lockTime = tx.lockTime;
  if (lockTime !== 0 && !tx.inputs.every((inp) => inp.sequence === SEQUENCE_FINAL)) {
    const byHeight = lockTime < LOCKTIME_THRESHOLD;
    const now = byHeight ? ctx.nextHeight : ctx.tipMedianTimePast;
    if (lockTime >= now) {
      return reject(
        'non-final',
        byHeight
          ? `nLockTime ${lockTime} is a height: the transaction can enter block ${lockTime + 1} at the earliest, the next block is ${ctx.nextHeight}`
          : `nLockTime ${lockTime} is a time: it must be below the median time past ${ctx.tipMedianTimePast}`,
      );
    }
  }

  // BIP 68 relative locks, for version >= 2.
  if (tx.version >= 2) {
    let minHeight = -1;
    let minTime = -1;
    for (const [i, inp] of tx.inputs.entries()) {
      if ((inp.sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG) !== 0) continue;
      const value = inp.sequence & SEQUENCE_LOCKTIME_MASK;
      const coinHeight = coins[i]!.height;
      if ((inp.sequence & SEQUENCE_LOCKTIME_TYPE_FLAG) !== 0) {
        const coinTime = ctx.medianTimePastAt(Math.max(coinHeight - 1, 0));
        minTime = Math.max(minTime, coinTime + value * 2 ** SEQUENCE_LOCKTIME_GRANULARITY - 1);
      } else {
        minHeight = Math.max(minHeight, coinHeight + value - 1);
      }
    }
    if (minHeight >= ctx.nextHeight) {
      return reject(
        'sequence-lock',
        `a relative lock (BIP 68) holds the transaction until block ${minHeight + 1}, the next block is ${ctx.nextHeight}`,
      );
    }
    if (minTime >= ctx.tipMedianTimePast) {
      return reject(
        'sequence-lock',
        `a relative time lock (BIP 68) holds the transaction until median time past ${minTime + 1}`,
      );
    }
  }

  for (const [i, coin] of coins.entries()) {
    const r = ctx.verifyInput(ptx.raw, i, coin.script, coin.valueSat);
    if (!r.ok) return reject('script', `input ${i} does not satisfy the output it spends: ${r.reason}`);
  }
  return { ok: true, feeSat: inSum - outSum };
}
