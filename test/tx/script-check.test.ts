// The script checker: it must accept correct spends and refuse every broken one we can think of.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Script, type ScriptType } from '@scure/btc-signer';
import fc from 'fast-check';
import {
  concatBytes,
  publicKeyCreate,
  sha256,
  signatureNormalize,
  signatureToDer,
} from '../../src/crypto/index.js';
import {
  encodeTx,
  encodeWitnessSignature,
  fundingScript,
  p2wpkh,
  p2wpkhScriptCode,
  p2wsh,
  SIGHASH_ALL,
  SIGHASH_SINGLE_ANYONECANPAY,
  segwitV0Sighash,
  signInput,
  type Tx,
  verifyAllWitnessInputs,
  verifyWitnessInput,
  withWitnesses,
} from '../../src/tx/index.js';
import { decodeScriptNum, encodeScriptNum } from '../../src/tx/script-num.js';

const priv1 = new Uint8Array(32).fill(1);
const priv2 = new Uint8Array(32).fill(2);
const pub1 = publicKeyCreate(priv1);
const pub2 = publicKeyCreate(priv2);
const AMOUNT = 100_000n;

function spending(
  opts: { sequence?: number; lockTime?: number; version?: number; inputs?: number; outputs?: number } = {},
): Tx {
  const inputs = Array.from({ length: opts.inputs ?? 1 }, (_, i) => ({
    prevout: { txid: new Uint8Array(32).fill(0xaa + i), index: i },
    sequence: opts.sequence ?? 0xfffffffe,
    scriptSig: new Uint8Array(0),
    witness: [] as Uint8Array[],
  }));
  const outputs = Array.from({ length: opts.outputs ?? 1 }, (_, i) => ({
    amountSat: 90_000n - BigInt(i),
    script: p2wpkh(pub2),
  }));
  return { version: opts.version ?? 2, lockTime: opts.lockTime ?? 0, inputs, outputs };
}

/** Runs input 0 of `tx` with `witness` against a P2WSH of `script` (or the given prevout script). */
function run(tx: Tx, witness: Uint8Array[], prevoutScript: Uint8Array) {
  return verifyWitnessInput(encodeTx(withWitnesses(tx, [witness])), 0, prevoutScript, AMOUNT);
}

function wsh(items: ScriptType): { script: Uint8Array; out: Uint8Array } {
  const script = Script.encode(items);
  return { script, out: p2wsh(script) };
}

function sigFor(tx: Tx, scriptCode: Uint8Array, priv: Uint8Array, type = SIGHASH_ALL): Uint8Array {
  return encodeWitnessSignature(signInput(tx, 0, scriptCode, AMOUNT, priv, type), type);
}

test('P2WPKH: a correct spend passes; wrong key, amount, signature or shape fail', () => {
  const tx = spending();
  const out = p2wpkh(pub1);
  const code = p2wpkhScriptCode(out.subarray(2));
  const good = sigFor(tx, code, priv1);
  assert.deepEqual(run(tx, [good, pub1], out), { ok: true });
  assert.equal(run(tx, [good, pub2], out).ok, false); // key does not match the program
  assert.equal(run(tx, [sigFor(tx, code, priv2), pub1], out).ok, false); // wrong signer
  assert.equal(run(tx, [good, pub1, new Uint8Array(0)], out).ok, false); // 3 items
  const wrongAmount = verifyWitnessInput(encodeTx(withWitnesses(tx, [[good, pub1]])), 0, out, AMOUNT + 1n);
  assert.equal(wrongAmount.ok, false);
  // The signature commits to the outputs.
  const changed = { ...tx, outputs: [{ ...tx.outputs[0]!, amountSat: 89_999n }] };
  assert.equal(run(changed, [good, pub1], out).ok, false);
  // A non-empty scriptSig is not allowed on a native segwit input.
  const withScriptSig = { ...tx, inputs: [{ ...tx.inputs[0]!, scriptSig: Uint8Array.of(0x51) }] };
  assert.equal(run(withScriptSig, [good, pub1], out).ok, false);
});

test('signature encoding: high S, non-DER, undefined sighash type and uncompressed keys fail', () => {
  const tx = spending();
  const out = p2wpkh(pub1);
  const code = p2wpkhScriptCode(out.subarray(2));
  const compact = signInput(tx, 0, code, AMOUNT, priv1);
  // Negate S (n - s): still a valid ECDSA signature, but high-S.
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(`0x${Buffer.from(compact.subarray(32)).toString('hex')}`);
  const highS = Uint8Array.from(compact);
  highS.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
  assert.deepEqual(signatureNormalize(highS), compact);
  const highDer = concatBytes(signatureToDer(highS), Uint8Array.of(SIGHASH_ALL));
  const r = run(tx, [highDer, pub1], out);
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /high S/);
  // Non-strict DER: a padded length byte.
  const good = encodeWitnessSignature(compact);
  const bad = Uint8Array.from(good);
  bad[1] = bad[1]! + 1;
  assert.match((run(tx, [bad, pub1], out) as { reason: string }).reason, /DER/);
  const undefinedType = Uint8Array.from(good);
  undefinedType[undefinedType.length - 1] = 0x04;
  assert.match((run(tx, [undefinedType, pub1], out) as { reason: string }).reason, /sighash type/);
  // An uncompressed key in a P2WSH CHECKSIG.
  const uncompressed = Uint8Array.of(0x04, ...new Uint8Array(64).fill(1));
  const { script, out: wout } = wsh([uncompressed, 'CHECKSIG']);
  assert.match((run(tx, [new Uint8Array(0), script], wout) as { reason: string }).reason, /compressed/);
});

test('P2WSH: script hash, clean stack, conditionals, MINIMALIF, NULLFAIL', () => {
  const tx = spending();
  const { script, out } = wsh([pub1, 'CHECKSIG']);
  const sig = sigFor(tx, script, priv1);
  assert.deepEqual(run(tx, [sig, script], out), { ok: true });
  assert.match((run(tx, [sig, Script.encode([pub2, 'CHECKSIG'])], out) as { reason: string }).reason, /hash/);
  assert.match(
    (run(tx, [Uint8Array.of(1), sig, script], out) as { reason: string }).reason,
    /stack elements/,
  );
  // A wrong non-empty signature is a NULLFAIL error, not merely false.
  assert.match((run(tx, [sigFor(tx, script, priv2), script], out) as { reason: string }).reason, /NULLFAIL/);
  // An empty signature makes CHECKSIG false: the script fails with a false result.
  assert.match((run(tx, [new Uint8Array(0), script], out) as { reason: string }).reason, /false/);
  const iff = wsh(['IF', 1, 'ELSE', 0, 'ENDIF']);
  assert.deepEqual(run(tx, [Uint8Array.of(1), iff.script], iff.out), { ok: true });
  assert.equal(run(tx, [new Uint8Array(0), iff.script], iff.out).ok, false);
  assert.match((run(tx, [Uint8Array.of(2), iff.script], iff.out) as { reason: string }).reason, /MINIMALIF/);
  const unbalanced = wsh(['IF', 1]);
  assert.match(
    (run(tx, [Uint8Array.of(1), unbalanced.script], unbalanced.out) as { reason: string }).reason,
    /unbalanced/,
  );
  const stray = wsh([1, 'ENDIF']);
  assert.equal(run(tx, [stray.script], stray.out).ok, false);
});

test('unsupported scripts and opcodes are refused, never accepted', () => {
  const tx = spending();
  // OP_CAT (disabled) even in an unexecuted branch; OP_CODESEPARATOR; OP_TOALTSTACK.
  for (const op of [0x7e, 0xab, 0x6b]) {
    const script = Uint8Array.of(0x00, 0x63, op, 0x68, 0x51); // 0 IF <op> ENDIF 1
    const r = run(tx, [script], p2wsh(script));
    assert.match((r as { reason: string }).reason, /unsupported opcode/);
  }
  const p2tr = Uint8Array.of(0x51, 0x20, ...new Uint8Array(32));
  assert.match((run(tx, [new Uint8Array(64)], p2tr) as { reason: string }).reason, /unsupported prevout/);
  const p2pkh = Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac);
  assert.equal(run(tx, [], p2pkh).ok, false);
  assert.equal(verifyWitnessInput(Uint8Array.of(1, 2, 3), 0, p2pkh, 1n).ok, false);
  assert.equal(verifyWitnessInput(encodeTx(tx), 3, p2pkh, 1n).ok, false);
  // A truncated push and a non-minimal push.
  const truncated = Uint8Array.of(0x05, 0x01);
  assert.equal(run(tx, [truncated], p2wsh(truncated)).ok, false);
  const nonMinimal = Uint8Array.of(0x01, 0x01); // pushes 0x01 with a data push instead of OP_1
  assert.match((run(tx, [nonMinimal], p2wsh(nonMinimal)) as { reason: string }).reason, /non-minimal/);
  const opReturn = Uint8Array.of(0x51, 0x6a);
  assert.equal(run(tx, [opReturn], p2wsh(opReturn)).ok, false);
});

test('CHECKMULTISIG: 2-of-2 in key order, NULLDUMMY, NULLFAIL', () => {
  const tx = spending();
  const script = fundingScript(pub1, pub2);
  const out = p2wsh(script);
  const [first, second] = Buffer.compare(pub1, pub2) < 0 ? [priv1, priv2] : [priv2, priv1];
  const s1 = sigFor(tx, script, first);
  const s2 = sigFor(tx, script, second);
  const empty = new Uint8Array(0);
  assert.deepEqual(run(tx, [empty, s1, s2, script], out), { ok: true });
  assert.equal(run(tx, [empty, s2, s1, script], out).ok, false); // wrong order
  assert.match((run(tx, [Uint8Array.of(1), s1, s2, script], out) as { reason: string }).reason, /dummy/);
  assert.equal(run(tx, [empty, s1, s1, script], out).ok, false);
  assert.match((run(tx, [empty, empty, s2, script], out) as { reason: string }).reason, /NULLFAIL/);
  assert.match((run(tx, [empty, empty, empty, script], out) as { reason: string }).reason, /false/);
});

test('CHECKSEQUENCEVERIFY follows BIP 68/112 against nSequence and version', () => {
  const { script, out } = wsh([144, 'CHECKSEQUENCEVERIFY', 'DROP', 1]);
  assert.deepEqual(run(spending({ sequence: 144 }), [script], out), { ok: true });
  assert.deepEqual(run(spending({ sequence: 1000 }), [script], out), { ok: true });
  assert.match(
    (run(spending({ sequence: 143 }), [script], out) as { reason: string }).reason,
    /relative lock/,
  );
  assert.match(
    (run(spending({ sequence: 144, version: 1 }), [script], out) as { reason: string }).reason,
    /version/,
  );
  assert.match(
    (run(spending({ sequence: 0x80000090 }), [script], out) as { reason: string }).reason,
    /disable/,
  );
  // A time-based nSequence cannot satisfy a height-based CSV.
  assert.match(
    (run(spending({ sequence: (1 << 22) | 144 }), [script], out) as { reason: string }).reason,
    /type/,
  );
  // A CSV operand with the disable flag set is a NOP.
  const nop = wsh([0x80000000, 'CHECKSEQUENCEVERIFY', 'DROP', 1]);
  assert.deepEqual(run(spending({ sequence: 0 }), [nop.script], nop.out), { ok: true });
  const negative = wsh([-1, 'CHECKSEQUENCEVERIFY', 'DROP', 1]);
  assert.match(
    (run(spending({ sequence: 0 }), [negative.script], negative.out) as { reason: string }).reason,
    /negative/,
  );
});

test('CHECKLOCKTIMEVERIFY follows BIP 65 against nLockTime', () => {
  const { script, out } = wsh([500, 'CHECKLOCKTIMEVERIFY', 'DROP', 1]);
  assert.deepEqual(run(spending({ lockTime: 500 }), [script], out), { ok: true });
  assert.match(
    (run(spending({ lockTime: 499 }), [script], out) as { reason: string }).reason,
    /locktime >= 500/,
  );
  assert.match(
    (run(spending({ lockTime: 500, sequence: 0xffffffff }), [script], out) as { reason: string }).reason,
    /final/,
  );
  assert.match(
    (run(spending({ lockTime: 600_000_000 }), [script], out) as { reason: string }).reason,
    /type/,
  );
});

test('SIGHASH_SINGLE|ANYONECANPAY survives added inputs and outputs; SIGHASH_ALL does not', () => {
  const { script, out } = wsh([pub1, 'CHECKSIG']);
  const tx = spending();
  const single = sigFor(tx, script, priv1, SIGHASH_SINGLE_ANYONECANPAY);
  const all = sigFor(tx, script, priv1);
  const bigger = spending({ inputs: 2, outputs: 2 });
  assert.deepEqual(run(bigger, [single, script], out), { ok: true });
  assert.equal(run(bigger, [all, script], out).ok, false);
  assert.notDeepEqual(
    segwitV0Sighash(tx, 0, script, AMOUNT, SIGHASH_ALL),
    segwitV0Sighash(tx, 0, script, AMOUNT, SIGHASH_SINGLE_ANYONECANPAY),
  );
});

test('verifyAllWitnessInputs checks every input against its own prevout', () => {
  const tx = spending({ inputs: 2 });
  const { script, out } = wsh([pub1, 'CHECKSIG']);
  const s0 = encodeWitnessSignature(signInput(tx, 0, script, AMOUNT, priv1));
  const s1 = encodeWitnessSignature(signInput(tx, 1, script, AMOUNT, priv1));
  const signed = encodeTx(
    withWitnesses(tx, [
      [s0, script],
      [s1, script],
    ]),
  );
  const prevout = { script: out, amountSat: AMOUNT };
  assert.deepEqual(verifyAllWitnessInputs(signed, [prevout, prevout]), { ok: true });
  const swapped = encodeTx(
    withWitnesses(tx, [
      [s1, script],
      [s0, script],
    ]),
  );
  assert.match((verifyAllWitnessInputs(swapped, [prevout, prevout]) as { reason: string }).reason, /input 0/);
  assert.equal(verifyAllWitnessInputs(signed, [prevout]).ok, false);
  assert.equal(verifyWitnessInput(signed, 1, out, AMOUNT, [prevout, prevout]).ok, true);
  assert.equal(
    verifyWitnessInput(signed, 1, out, AMOUNT, [prevout, { script: out, amountSat: 1n }]).ok,
    false,
  );
});

test('arithmetic and stack opcodes', () => {
  const tx = spending();
  const cases: [ScriptType, boolean][] = [
    [[2, '1ADD', 3, 'NUMEQUAL'], true],
    [[2, '1SUB', 1, 'NUMEQUAL'], true],
    [[2, 3, 'ADD', 5, 'EQUAL'], true],
    [[2, 3, 'SUB', -1, 'NUMEQUAL'], true],
    [[5, 'NEGATE', 'ABS', 5, 'NUMEQUAL'], true],
    [[0, 'NOT'], true],
    [[7, '0NOTEQUAL'], true],
    [[1, 0, 'BOOLAND', 'NOT'], true],
    [[1, 0, 'BOOLOR'], true],
    [[3, 4, 'NUMNOTEQUAL'], true],
    [[3, 4, 'LESSTHAN'], true],
    [[3, 4, 'GREATERTHAN'], false],
    [[4, 4, 'LESSTHANOREQUAL'], true],
    [[4, 4, 'GREATERTHANOREQUAL'], true],
    [[3, 9, 'MIN', 3, 'NUMEQUAL'], true],
    [[3, 9, 'MAX', 9, 'NUMEQUALVERIFY', 1], true],
    [[5, 1, 10, 'WITHIN'], true],
    [[10, 1, 10, 'WITHIN'], false],
    [[1, 2, 'SWAP', 'DROP', 2, 'EQUAL'], true],
    [[1, 2, 'NIP', 2, 'EQUAL'], true],
    [[1, 2, 'OVER', 1, 'EQUALVERIFY', '2DROP', 1], true],
    [[1, 2, 3, 'DEPTH', 3, 'EQUALVERIFY', '2DROP'], true],
    [[0, 'IFDUP', 'DEPTH', 1, 'EQUALVERIFY', 'NOT'], true],
    [[new Uint8Array(32), 'SIZE', 32, 'EQUALVERIFY', 'SHA256', sha256(new Uint8Array(32)), 'EQUAL'], true],
    [[1, 'VERIFY', 'NOP', 1], true],
    [[0, 'VERIFY', 1], false],
    [[new Uint8Array(5).fill(1), '1ADD'], false], // 5-byte arithmetic operand
  ];
  for (const [items, expected] of cases) {
    const { script, out } = wsh(items);
    assert.equal(run(tx, [script], out).ok, expected, Script.decode(script).join(' '));
  }
});

test('property: script numbers round-trip and only minimal encodings decode', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 39n) + 1n, max: 2n ** 39n - 1n }), (n) => {
      const enc = encodeScriptNum(n);
      assert.equal(decodeScriptNum(enc, 5), n);
      // A redundant zero byte on a non-negative number is a non-minimal encoding.
      if (n >= 0n) assert.equal(decodeScriptNum(concatBytes(enc, Uint8Array.of(0)), 6), undefined);
    }),
    { numRuns: 300 },
  );
  assert.equal(decodeScriptNum(Uint8Array.of(0x80)), undefined); // negative zero
  assert.equal(decodeScriptNum(Uint8Array.of(0xff, 0x00)), 255n);
  assert.equal(decodeScriptNum(Uint8Array.of(0xff, 0x80)), -255n);
});

test('fuzz: every single-byte change to a valid signed commitment is refused, never thrown', async () => {
  const { appendixC, common, h } = await import('./bolt3-vectors.js');
  const v = appendixC.vectors.find((x) => x.numHtlcs === 5)!;
  const raw = h(v.commitTx);
  const prevout = p2wsh(h(common.fundingWitnessScript));
  const amount = BigInt(common.fundingAmountSatoshi);
  assert.deepEqual(verifyWitnessInput(raw, 0, prevout, amount), { ok: true });
  fc.assert(
    fc.property(fc.nat({ max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
      const mutated = Uint8Array.from(raw);
      mutated[pos] = mutated[pos]! ^ mask;
      assert.equal(verifyWitnessInput(mutated, 0, prevout, amount).ok, false);
    }),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
      assert.equal(verifyWitnessInput(junk, 0, prevout, amount).ok, false);
    }),
    { numRuns: 200 },
  );
});
