// src/tx/script-interpreter.ts: a small segwit v0 script interpreter, enough for BOLT 3 scripts
// and common P2WSH multisig. It applies Bitcoin Core's consensus rules plus the standardness
// flags a relaying node enforces on witness v0 (MINIMALDATA, MINIMALIF, LOW_S, STRICTENC,
// NULLFAIL, NULLDUMMY, WITNESS_PUBKEYTYPE). Anything it does not implement fails: it may reject
// an exotic valid script, but it never accepts an invalid spend.
import {
  ecdsaVerify,
  equalBytes,
  hash160,
  ripemd160,
  sha256,
  sha256d,
  signatureFromDer,
} from '../crypto/index.js';
import { isLowSDer, isStrictDerWithSighash } from './der.js';
import { castToBool, decodeScriptNum, encodeScriptNum } from './script-num.js';
import { segwitV0Sighash, type Tx } from './tx.js';

/** Success, or the first rule the spend broke. */
export type ScriptCheckResult = { ok: true } | { ok: false; reason: string };

/** The spending context a script is evaluated in. */
export interface ScriptContext {
  tx: Tx;
  inputIndex: number;
  amountSat: bigint;
  /** The BIP 143 scriptCode (the witness script, or the P2PKH form for P2WPKH). */
  scriptCode: Uint8Array;
}

const MAX_ELEMENT_SIZE = 520;
const MAX_OPS = 201;
const MAX_STACK = 1000;
const MAX_PUBKEYS_PER_MULTISIG = 20;
const LOCKTIME_THRESHOLD = 500_000_000n;
const SEQUENCE_DISABLE_FLAG = 1n << 31n;
const SEQUENCE_TYPE_FLAG = 1n << 22n;
const SEQUENCE_MASK = 0xffffn;
const SEQUENCE_FINAL = 0xffffffff;

/** Opcode values used here (Bitcoin Core's names without the OP_ prefix). */
export const OP = {
  '0': 0x00,
  PUSHDATA1: 0x4c,
  PUSHDATA2: 0x4d,
  PUSHDATA4: 0x4e,
  '1NEGATE': 0x4f,
  '1': 0x51,
  '16': 0x60,
  NOP: 0x61,
  IF: 0x63,
  NOTIF: 0x64,
  ELSE: 0x67,
  ENDIF: 0x68,
  VERIFY: 0x69,
  RETURN: 0x6a,
  '2DROP': 0x6d,
  IFDUP: 0x73,
  DEPTH: 0x74,
  DROP: 0x75,
  DUP: 0x76,
  NIP: 0x77,
  OVER: 0x78,
  SWAP: 0x7c,
  SIZE: 0x82,
  EQUAL: 0x87,
  EQUALVERIFY: 0x88,
  '1ADD': 0x8b,
  '1SUB': 0x8c,
  NEGATE: 0x8f,
  ABS: 0x90,
  NOT: 0x91,
  '0NOTEQUAL': 0x92,
  ADD: 0x93,
  SUB: 0x94,
  BOOLAND: 0x9a,
  BOOLOR: 0x9b,
  NUMEQUAL: 0x9c,
  NUMEQUALVERIFY: 0x9d,
  NUMNOTEQUAL: 0x9e,
  LESSTHAN: 0x9f,
  GREATERTHAN: 0xa0,
  LESSTHANOREQUAL: 0xa1,
  GREATERTHANOREQUAL: 0xa2,
  MIN: 0xa3,
  MAX: 0xa4,
  WITHIN: 0xa5,
  RIPEMD160: 0xa6,
  SHA256: 0xa8,
  HASH160: 0xa9,
  HASH256: 0xaa,
  CHECKSIG: 0xac,
  CHECKSIGVERIFY: 0xad,
  CHECKMULTISIG: 0xae,
  CHECKMULTISIGVERIFY: 0xaf,
  CHECKLOCKTIMEVERIFY: 0xb1,
  CHECKSEQUENCEVERIFY: 0xb2,
} as const;

const UNARY_NUM: ReadonlyMap<number, (a: bigint) => bigint> = new Map([
  [OP['1ADD'], (a: bigint) => a + 1n],
  [OP['1SUB'], (a: bigint) => a - 1n],
  [OP.NEGATE, (a: bigint) => -a],
  [OP.ABS, (a: bigint) => (a < 0n ? -a : a)],
  [OP.NOT, (a: bigint) => (a === 0n ? 1n : 0n)],
  [OP['0NOTEQUAL'], (a: bigint) => (a !== 0n ? 1n : 0n)],
]);

const b2n = (b: boolean): bigint => (b ? 1n : 0n);
const BINARY_NUM: ReadonlyMap<number, (a: bigint, b: bigint) => bigint> = new Map([
  [OP.ADD, (a: bigint, b: bigint) => a + b],
  [OP.SUB, (a: bigint, b: bigint) => a - b],
  [OP.BOOLAND, (a: bigint, b: bigint) => b2n(a !== 0n && b !== 0n)],
  [OP.BOOLOR, (a: bigint, b: bigint) => b2n(a !== 0n || b !== 0n)],
  [OP.NUMEQUAL, (a: bigint, b: bigint) => b2n(a === b)],
  [OP.NUMEQUALVERIFY, (a: bigint, b: bigint) => b2n(a === b)],
  [OP.NUMNOTEQUAL, (a: bigint, b: bigint) => b2n(a !== b)],
  [OP.LESSTHAN, (a: bigint, b: bigint) => b2n(a < b)],
  [OP.GREATERTHAN, (a: bigint, b: bigint) => b2n(a > b)],
  [OP.LESSTHANOREQUAL, (a: bigint, b: bigint) => b2n(a <= b)],
  [OP.GREATERTHANOREQUAL, (a: bigint, b: bigint) => b2n(a >= b)],
  [OP.MIN, (a: bigint, b: bigint) => (a < b ? a : b)],
  [OP.MAX, (a: bigint, b: bigint) => (a > b ? a : b)],
]);

class ScriptFailure extends Error {}
function fail(reason: string): never {
  throw new ScriptFailure(reason);
}

interface Op {
  opcode: number;
  /** Present for push opcodes (OP_0 and OP_1NEGATE..OP_16 included). */
  data?: Uint8Array;
}

/** Splits a script into opcodes; fails on a truncated push. */
export function parseScript(script: Uint8Array): Op[] {
  const ops: Op[] = [];
  let i = 0;
  while (i < script.length) {
    const opcode = script[i++]!;
    let len = -1;
    if (opcode > 0 && opcode < OP.PUSHDATA1) len = opcode;
    else if (opcode === OP.PUSHDATA1 || opcode === OP.PUSHDATA2 || opcode === OP.PUSHDATA4) {
      const width = opcode === OP.PUSHDATA1 ? 1 : opcode === OP.PUSHDATA2 ? 2 : 4;
      if (i + width > script.length) fail('truncated push length');
      len = 0;
      for (let k = width - 1; k >= 0; k--) len = len * 256 + script[i + k]!;
      i += width;
    }
    if (len >= 0) {
      if (i + len > script.length) fail('push past the end of the script');
      ops.push({ opcode, data: script.subarray(i, i + len) });
      i += len;
    } else if (opcode === OP['0']) ops.push({ opcode, data: new Uint8Array(0) });
    else if (opcode === OP['1NEGATE']) ops.push({ opcode, data: Uint8Array.of(0x81) });
    else if (opcode >= OP['1'] && opcode <= OP['16'])
      ops.push({ opcode, data: encodeScriptNum(BigInt(opcode - 0x50)) });
    else ops.push({ opcode });
  }
  return ops;
}

/** MINIMALDATA: each push must use the shortest form. */
function isMinimalPush(op: Op): boolean {
  const d = op.data!;
  const c = op.opcode;
  if (d.length === 0) return c === OP['0'];
  if (d.length === 1 && d[0]! >= 1 && d[0]! <= 16) return c === OP['1'] + d[0]! - 1;
  if (d.length === 1 && d[0] === 0x81) return c === OP['1NEGATE'];
  if (c === OP['1NEGATE'] || (c >= OP['1'] && c <= OP['16'])) return true;
  if (d.length <= 75) return c === d.length;
  if (d.length <= 255) return c === OP.PUSHDATA1;
  if (d.length <= 65535) return c === OP.PUSHDATA2;
  return true;
}

class Machine {
  readonly stack: Uint8Array[];
  private opCount = 0;
  private readonly sighashCache = new Map<number, Uint8Array>();

  constructor(
    initial: Uint8Array[],
    private readonly ctx: ScriptContext,
  ) {
    this.stack = [...initial];
  }

  /** Counts non-push opcodes (and multisig keys) against the 201 limit. */
  countOps(n: number): void {
    this.opCount += n;
    if (this.opCount > MAX_OPS) fail('more than 201 opcodes');
  }

  pop(): Uint8Array {
    const v = this.stack.pop();
    if (v === undefined) fail('stack underflow');
    return v;
  }

  top(depth = 1): Uint8Array {
    const v = this.stack[this.stack.length - depth];
    if (v === undefined) fail('stack underflow');
    return v;
  }

  push(v: Uint8Array): void {
    if (v.length > MAX_ELEMENT_SIZE) fail('stack element larger than 520 bytes');
    this.stack.push(v);
    if (this.stack.length > MAX_STACK) fail('stack larger than 1000 elements');
  }

  popNum(maxLength = 4): bigint {
    const n = decodeScriptNum(this.pop(), maxLength);
    if (n === undefined) fail('script number too long or not minimally encoded');
    return n;
  }

  sighash(type: number): Uint8Array {
    let h = this.sighashCache.get(type);
    if (h === undefined) {
      try {
        h = segwitV0Sighash(this.ctx.tx, this.ctx.inputIndex, this.ctx.scriptCode, this.ctx.amountSat, type);
      } catch (e) {
        fail(`cannot compute the signature hash: ${(e as Error).message}`);
      }
      this.sighashCache.set(type, h);
    }
    return h;
  }

  /** Encoding checks (script failures) then the signature check itself. */
  checkSig(sig: Uint8Array, pubkey: Uint8Array): boolean {
    if (sig.length > 0) {
      if (!isStrictDerWithSighash(sig)) fail('signature is not strict DER (BIP 66)');
      const type = sig[sig.length - 1]!;
      const base = type & ~0x80;
      if (base < 1 || base > 3) fail(`undefined sighash type 0x${type.toString(16)}`);
      if (!isLowSDer(sig.subarray(0, sig.length - 1))) fail('signature has a high S value');
    }
    if (pubkey.length !== 33 || (pubkey[0] !== 0x02 && pubkey[0] !== 0x03)) {
      fail('witness v0 public keys must be compressed');
    }
    if (sig.length === 0) return false;
    const der = sig.subarray(0, sig.length - 1);
    const type = sig[sig.length - 1]!;
    let compact: Uint8Array;
    try {
      compact = signatureFromDer(der);
    } catch {
      return false;
    }
    return ecdsaVerify(compact, this.sighash(type), pubkey);
  }

  checkLockTime(): void {
    const n = decodeScriptNum(this.top(), 5);
    if (n === undefined) fail('CLTV operand too long or not minimal');
    if (n < 0n) fail('negative locktime');
    const txLockTime = BigInt(this.ctx.tx.lockTime);
    if (n < LOCKTIME_THRESHOLD !== txLockTime < LOCKTIME_THRESHOLD) fail('CLTV: locktime type mismatch');
    if (n > txLockTime) fail(`CLTV: requires locktime >= ${n}, transaction has ${txLockTime}`);
    if (this.ctx.tx.inputs[this.ctx.inputIndex]!.sequence === SEQUENCE_FINAL)
      fail('CLTV: input sequence is final');
  }

  checkSequence(): void {
    const n = decodeScriptNum(this.top(), 5);
    if (n === undefined) fail('CSV operand too long or not minimal');
    if (n < 0n) fail('negative sequence');
    if ((n & SEQUENCE_DISABLE_FLAG) !== 0n) return; // BIP 112: behaves as a NOP
    if (this.ctx.tx.version < 2) fail('CSV: transaction version below 2');
    const txSequence = BigInt(this.ctx.tx.inputs[this.ctx.inputIndex]!.sequence);
    if ((txSequence & SEQUENCE_DISABLE_FLAG) !== 0n) fail('CSV: input sequence has the disable flag');
    const mask = SEQUENCE_TYPE_FLAG | SEQUENCE_MASK;
    const txMasked = txSequence & mask;
    const nMasked = n & mask;
    if (txMasked < SEQUENCE_TYPE_FLAG !== nMasked < SEQUENCE_TYPE_FLAG) fail('CSV: sequence type mismatch');
    if (nMasked > txMasked) fail(`CSV: requires a relative lock of ${nMasked}, input has ${txMasked}`);
  }

  checkMultisig(): boolean {
    const nKeys = this.popNum();
    if (nKeys < 0n || nKeys > BigInt(MAX_PUBKEYS_PER_MULTISIG)) fail('CHECKMULTISIG: bad public key count');
    this.countOps(Number(nKeys));
    const pubkeys: Uint8Array[] = [];
    for (let k = 0n; k < nKeys; k++) pubkeys.unshift(this.pop());
    const nSigs = this.popNum();
    if (nSigs < 0n || nSigs > nKeys) fail('CHECKMULTISIG: bad signature count');
    const sigs: Uint8Array[] = [];
    for (let k = 0n; k < nSigs; k++) sigs.unshift(this.pop());
    // NULLDUMMY: the extra element consumed by the historical off-by-one must be empty.
    if (this.pop().length !== 0) fail('CHECKMULTISIG: dummy element is not empty');
    // Signatures must match keys in order: walk both from the end, as Core does.
    let isig = sigs.length - 1;
    let ikey = pubkeys.length - 1;
    let success = true;
    while (success && isig >= 0) {
      if (this.checkSig(sigs[isig]!, pubkeys[ikey]!)) isig--;
      ikey--;
      if (isig + 1 > ikey + 1) success = false;
    }
    if (!success && sigs.some((s) => s.length > 0))
      fail('NULLFAIL: failed CHECKMULTISIG with non-empty signatures');
    return success;
  }
}

/**
 * Runs `script` on `initialStack` in the given context. On success returns the final stack;
 * the caller applies the clean-stack rule.
 */
export function executeScript(
  script: Uint8Array,
  initialStack: Uint8Array[],
  ctx: ScriptContext,
): { ok: true; stack: Uint8Array[] } | { ok: false; reason: string } {
  try {
    const m = new Machine(initialStack, ctx);
    for (const item of initialStack)
      if (item.length > MAX_ELEMENT_SIZE) fail('witness element larger than 520 bytes');
    const ops = parseScript(script);
    const exec: boolean[] = [];
    for (const op of ops) {
      const executing = exec.every(Boolean);
      if (op.opcode > OP['16']) m.countOps(1);
      if (op.data !== undefined) {
        if (op.data.length > MAX_ELEMENT_SIZE) fail('push larger than 520 bytes');
        if (executing) {
          if (!isMinimalPush(op)) fail('non-minimal push');
          m.push(op.data);
        }
        continue;
      }
      const c = op.opcode;
      if (c === OP.IF || c === OP.NOTIF) {
        let value = false;
        if (executing) {
          const top = m.pop();
          // MINIMALIF: the argument must be empty or exactly 0x01.
          if (top.length > 1 || (top.length === 1 && top[0] !== 1))
            fail('MINIMALIF: IF argument must be empty or 0x01');
          value = castToBool(top) !== (c === OP.NOTIF);
        }
        exec.push(value);
        continue;
      }
      if (c === OP.ELSE) {
        if (exec.length === 0) fail('ELSE without IF');
        exec[exec.length - 1] = !exec[exec.length - 1];
        continue;
      }
      if (c === OP.ENDIF) {
        if (exec.pop() === undefined) fail('ENDIF without IF');
        continue;
      }
      if (!executing) {
        if (!isKnownOpcode(c)) fail(`unsupported opcode 0x${c.toString(16)}`);
        continue;
      }
      step(m, c);
    }
    if (exec.length !== 0) fail('unbalanced conditional');
    return { ok: true, stack: m.stack };
  } catch (e) {
    if (e instanceof ScriptFailure) return { ok: false, reason: e.message };
    throw e;
  }
}

const KNOWN = new Set<number>([...Object.values(OP), ...UNARY_NUM.keys(), ...BINARY_NUM.keys()]);
function isKnownOpcode(c: number): boolean {
  return KNOWN.has(c) && c !== OP.PUSHDATA1 && c !== OP.PUSHDATA2 && c !== OP.PUSHDATA4;
}

function step(m: Machine, c: number): void {
  const unary = UNARY_NUM.get(c);
  if (unary !== undefined) {
    m.push(encodeScriptNum(unary(m.popNum())));
    return;
  }
  const binary = BINARY_NUM.get(c);
  if (binary !== undefined) {
    const b = m.popNum();
    const a = m.popNum();
    const r = binary(a, b);
    if (c === OP.NUMEQUALVERIFY) {
      if (r === 0n) fail('NUMEQUALVERIFY failed');
    } else m.push(encodeScriptNum(r));
    return;
  }
  switch (c) {
    case OP.NOP:
      return;
    case OP.VERIFY:
      if (!castToBool(m.pop())) fail('VERIFY failed');
      return;
    case OP.RETURN:
      fail('OP_RETURN executed');
      return;
    case OP['2DROP']:
      m.pop();
      m.pop();
      return;
    case OP.IFDUP: {
      const t = m.top();
      if (castToBool(t)) m.push(t);
      return;
    }
    case OP.DEPTH:
      m.push(encodeScriptNum(BigInt(m.stack.length)));
      return;
    case OP.DROP:
      m.pop();
      return;
    case OP.DUP:
      m.push(m.top());
      return;
    case OP.NIP: {
      const t = m.pop();
      m.pop();
      m.push(t);
      return;
    }
    case OP.OVER:
      m.push(m.top(2));
      return;
    case OP.SWAP: {
      const a = m.pop();
      const b = m.pop();
      m.push(a);
      m.push(b);
      return;
    }
    case OP.SIZE:
      m.push(encodeScriptNum(BigInt(m.top().length)));
      return;
    case OP.EQUAL:
    case OP.EQUALVERIFY: {
      const equal = equalBytes(m.pop(), m.pop());
      if (c === OP.EQUALVERIFY) {
        if (!equal) fail('EQUALVERIFY failed');
      } else m.push(equal ? Uint8Array.of(1) : new Uint8Array(0));
      return;
    }
    case OP.WITHIN: {
      const max = m.popNum();
      const min = m.popNum();
      const x = m.popNum();
      m.push(encodeScriptNum(b2n(min <= x && x < max)));
      return;
    }
    case OP.RIPEMD160:
      m.push(ripemd160(m.pop()));
      return;
    case OP.SHA256:
      m.push(sha256(m.pop()));
      return;
    case OP.HASH160:
      m.push(hash160(m.pop()));
      return;
    case OP.HASH256:
      m.push(sha256d(m.pop()));
      return;
    case OP.CHECKSIG:
    case OP.CHECKSIGVERIFY: {
      const pubkey = m.pop();
      const sig = m.pop();
      const ok = m.checkSig(sig, pubkey);
      // NULLFAIL: a failed check must have been given an empty signature.
      if (!ok && sig.length > 0) fail('NULLFAIL: signature check failed with a non-empty signature');
      if (c === OP.CHECKSIGVERIFY) {
        if (!ok) fail('CHECKSIGVERIFY failed');
      } else m.push(ok ? Uint8Array.of(1) : new Uint8Array(0));
      return;
    }
    case OP.CHECKMULTISIG:
    case OP.CHECKMULTISIGVERIFY: {
      const ok = m.checkMultisig();
      if (c === OP.CHECKMULTISIGVERIFY) {
        if (!ok) fail('CHECKMULTISIGVERIFY failed');
      } else m.push(ok ? Uint8Array.of(1) : new Uint8Array(0));
      return;
    }
    case OP.CHECKLOCKTIMEVERIFY:
      m.checkLockTime();
      return;
    case OP.CHECKSEQUENCEVERIFY:
      m.checkSequence();
      return;
    default:
      fail(`unsupported opcode 0x${c.toString(16)}`);
  }
}
