// src/wallet/coin-select.ts: choosing coins for a payment (pure).
//
// Strategy, in order:
//  1. Branch and bound over effective values (value minus the fee to spend the coin), looking
//     for a set that pays target + fees with an excess smaller than the cost of a change output
//     (so no change is made and nothing worth an output is given away). Deterministic: coins are
//     tried largest first and the search is bounded.
//  2. Otherwise largest first until the target, fees and a change output are covered. Change
//     below the dust limit is not made: it goes to the fee instead.
// Fees are rounded up per input and for the rest, so the final transaction never pays less than
// the requested rate.
import { feeForWeight } from '../chain/index.js';

export interface CandidateCoin {
  /** Caller's identifier (e.g. the outpoint key). */
  id: string;
  valueSat: bigint;
  /** Weight this coin adds as an input (witness included). */
  inputWeight: number;
}

export interface SelectionTarget {
  /** Sum of the payment outputs. */
  targetSat: bigint;
  feeRateSatPerKw: bigint;
  /** Weight of everything but the chosen inputs and the change: overhead, outputs, fixed inputs. */
  baseWeight: number;
  /** Value already provided by fixed inputs (e.g. external inputs being swept). Default 0. */
  fixedInputSat?: bigint;
  changeOutputWeight: number;
  /** Change smaller than this is not made. */
  changeDustLimitSat: bigint;
}

export type Selection =
  | { ok: true; selected: CandidateCoin[]; feeSat: bigint; changeSat: bigint; weight: number }
  | { ok: false; reason: 'insufficient_funds'; availableSat: bigint; neededSat: bigint };

const MAX_TRIES = 100_000;

function byValueDesc(a: CandidateCoin, b: CandidateCoin): number {
  return a.valueSat > b.valueSat ? -1 : a.valueSat < b.valueSat ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Selects coins from `coins` for `t`. */
export function selectCoins(coins: readonly CandidateCoin[], t: SelectionTarget): Selection {
  const rate = t.feeRateSatPerKw;
  const fixed = t.fixedInputSat ?? 0n;
  const baseFee = feeForWeight(t.baseWeight, rate);
  const need = t.targetSat + baseFee - fixed; // what the chosen coins' effective values must cover
  const usable = coins
    .map((c) => ({ coin: c, effective: c.valueSat - feeForWeight(c.inputWeight, rate) }))
    .filter((x) => x.effective > 0n)
    .sort((a, b) => byValueDesc(a.coin, b.coin));
  const finish = (chosen: CandidateCoin[]): Selection => {
    const inputsWeight = chosen.reduce((w, c) => w + c.inputWeight, 0);
    const total = chosen.reduce((s, c) => s + c.valueSat, 0n) + fixed;
    const noChangeWeight = t.baseWeight + inputsWeight;
    const withChangeWeight = noChangeWeight + t.changeOutputWeight;
    const change = total - t.targetSat - feeForWeight(withChangeWeight, rate);
    if (change >= t.changeDustLimitSat) {
      return {
        ok: true,
        selected: chosen,
        feeSat: total - t.targetSat - change,
        changeSat: change,
        weight: withChangeWeight,
      };
    }
    return { ok: true, selected: chosen, feeSat: total - t.targetSat, changeSat: 0n, weight: noChangeWeight };
  };
  if (need <= 0n) return finish([]);

  // 1. Branch and bound for a changeless match within [need, need + costOfChange].
  const costOfChange = feeForWeight(t.changeOutputWeight, rate) + t.changeDustLimitSat;
  const remaining: bigint[] = [];
  let acc = 0n;
  for (let i = usable.length - 1; i >= 0; i--) {
    acc += usable[i]!.effective;
    remaining[i] = acc;
  }
  let best: number[] | undefined;
  let bestExcess = costOfChange + 1n;
  const stack: number[] = [];
  let tries = 0;
  const search = (i: number, sum: bigint): void => {
    if (++tries > MAX_TRIES || bestExcess === 0n) return;
    if (sum >= need) {
      const excess = sum - need;
      if (excess <= costOfChange && excess < bestExcess) {
        bestExcess = excess;
        best = [...stack];
      }
      return; // adding more only grows the excess
    }
    if (i >= usable.length || sum + remaining[i]! < need) return;
    stack.push(i);
    search(i + 1, sum + usable[i]!.effective);
    stack.pop();
    search(i + 1, sum);
  };
  search(0, 0n);
  if (best !== undefined) return finish(best.map((i) => usable[i]!.coin));

  // 2. Largest first, aiming to cover a change output too; settle for changeless if that is all there is.
  const chosen: CandidateCoin[] = [];
  let sum = 0n;
  const withChange = need + feeForWeight(t.changeOutputWeight, rate) + t.changeDustLimitSat;
  for (const u of usable) {
    chosen.push(u.coin);
    sum += u.effective;
    if (sum >= withChange) return finish(chosen);
  }
  if (sum >= need) return finish(chosen);
  return { ok: false, reason: 'insufficient_funds', availableSat: sum + fixed, neededSat: need + fixed };
}
