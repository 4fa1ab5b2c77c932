// src/tx/script-check.ts: verifies that a transaction input's witness satisfies the output it
// spends. Segwit v0 only (P2WPKH and P2WSH); every other output type is refused, never accepted.
// Used by our tests to prove our witnesses spend our scripts, and by the devnet chain to validate
// the transactions it is given.
import { equalBytes, hash160, sha256 } from '../crypto/index.js';
import { executeScript, type ScriptCheckResult } from './script-interpreter.js';
import { castToBool } from './script-num.js';
import { p2wpkhScriptCode } from './scripts.js';
import { decodeTx, type Tx } from './tx.js';

export type { ScriptCheckResult } from './script-interpreter.js';

/** An output being spent: its script and value. */
export interface Prevout {
  script: Uint8Array;
  amountSat: bigint;
}

const MAX_WITNESS_SCRIPT_SIZE = 10_000;
/** 21 million bitcoin: consensus rejects any output above it. */
const MAX_MONEY_SAT = 2_100_000_000_000_000n;

const failure = (reason: string): ScriptCheckResult => ({ ok: false, reason });

function witnessProgram(script: Uint8Array): { kind: 'p2wpkh' | 'p2wsh'; program: Uint8Array } | undefined {
  if (script.length === 22 && script[0] === 0x00 && script[1] === 0x14)
    return { kind: 'p2wpkh', program: script.subarray(2) };
  if (script.length === 34 && script[0] === 0x00 && script[1] === 0x20)
    return { kind: 'p2wsh', program: script.subarray(2) };
  return undefined;
}

/** Verifies input `inputIndex` of an already-decoded transaction. */
export function verifyWitnessInputOfTx(tx: Tx, inputIndex: number, prevout: Prevout): ScriptCheckResult {
  const input = tx.inputs[inputIndex];
  if (!Number.isInteger(inputIndex) || input === undefined) {
    return failure(`input ${inputIndex} does not exist (the transaction has ${tx.inputs.length})`);
  }
  if (prevout.amountSat < 0n || prevout.amountSat > MAX_MONEY_SAT)
    return failure('prevout amount out of range');
  if (tx.outputs.some((o) => o.amountSat > MAX_MONEY_SAT))
    return failure('an output amount exceeds 21 million bitcoin');
  if (input.scriptSig.length !== 0) return failure('a native segwit input must have an empty scriptSig');
  const wp = witnessProgram(prevout.script);
  if (wp === undefined) return failure('unsupported prevout script: only P2WPKH and P2WSH are checked');
  const witness = input.witness;
  let script: Uint8Array;
  let stack: Uint8Array[];
  if (wp.kind === 'p2wpkh') {
    if (witness.length !== 2) return failure(`a P2WPKH witness has 2 items, got ${witness.length}`);
    if (!equalBytes(hash160(witness[1]!), wp.program))
      return failure('P2WPKH public key does not match the program');
    script = p2wpkhScriptCode(wp.program);
    stack = witness.slice();
  } else {
    if (witness.length === 0) return failure('empty P2WSH witness');
    script = witness[witness.length - 1]!;
    if (script.length > MAX_WITNESS_SCRIPT_SIZE) return failure('witness script larger than 10000 bytes');
    if (!equalBytes(sha256(script), wp.program))
      return failure('witness script does not hash to the P2WSH program');
    stack = witness.slice(0, -1);
  }
  const r = executeScript(script, stack, {
    tx,
    inputIndex,
    amountSat: prevout.amountSat,
    scriptCode: script,
  });
  if (!r.ok) return r;
  // Segwit requires a clean stack: exactly one element left, and it must be true.
  if (r.stack.length !== 1) return failure(`script left ${r.stack.length} stack elements, not exactly 1`);
  if (!castToBool(r.stack[0]!)) return failure('script evaluated to false');
  return { ok: true };
}

/**
 * Verifies that input `inputIndex` of the raw transaction `tx` may spend an output with script
 * `prevoutScript` and value `prevoutAmountSat`. CSV and CLTV are checked against the transaction's
 * own version, nSequence and nLockTime; whether those locks are satisfied by the chain (heights,
 * times) is the caller's business. `allPrevouts`, if given, must list every input's prevout and
 * agree with the one passed (segwit v0 signs only its own prevout; taproot would need them all).
 */
export function verifyWitnessInput(
  tx: Uint8Array,
  inputIndex: number,
  prevoutScript: Uint8Array,
  prevoutAmountSat: bigint,
  allPrevouts?: readonly Prevout[],
): ScriptCheckResult {
  const decoded = decodeTx(tx);
  if (!decoded.ok) return failure(decoded.reason);
  if (allPrevouts !== undefined) {
    if (allPrevouts.length !== decoded.value.inputs.length)
      return failure('allPrevouts must have one entry per input');
    const mine = allPrevouts[inputIndex];
    if (
      mine === undefined ||
      mine.amountSat !== prevoutAmountSat ||
      !equalBytes(mine.script, prevoutScript)
    ) {
      return failure('allPrevouts disagrees with the prevout given for this input');
    }
  }
  return verifyWitnessInputOfTx(decoded.value, inputIndex, {
    script: prevoutScript,
    amountSat: prevoutAmountSat,
  });
}

/** Verifies every input of a raw transaction against its prevouts (one per input, in order). */
export function verifyAllWitnessInputs(tx: Uint8Array, prevouts: readonly Prevout[]): ScriptCheckResult {
  const decoded = decodeTx(tx);
  if (!decoded.ok) return failure(decoded.reason);
  if (prevouts.length !== decoded.value.inputs.length) return failure('need exactly one prevout per input');
  for (let i = 0; i < prevouts.length; i++) {
    const r = verifyWitnessInputOfTx(decoded.value, i, prevouts[i]!);
    if (!r.ok) return failure(`input ${i}: ${r.reason}`);
  }
  return { ok: true };
}
