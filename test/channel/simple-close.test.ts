// option_simple_close (BOLT 2 closing_complete / closing_sig): who offers, who pays (exact to the
// satoshi), dust outputs left out, every receiver check failing with a warning, RBF from either
// side, a restart in the middle, and the legacy closing_signed path when a side lacks the feature.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChannelMessage,
  type ChannelPolicy,
  type ChannelState,
  DEFAULT_POLICY,
  deserializeChannel,
  fundingOutputScript,
  negotiatedFeatures,
  policyWith,
  serializeChannel,
} from '../../src/channel/index.js';
import { bytesToHex, equalBytes } from '../../src/crypto/index.js';
import { OUR_INIT_FEATURES } from '../../src/peer/index.js';
import {
  decodeTx,
  dustThresholdSat,
  feeForWeight,
  type Tx,
  txid,
  txWeight,
  verifyWitnessInputOfTx,
  withWitnesses,
} from '../../src/tx/index.js';
import { decodeMessage, encodeMessage, FEATURES, Features, type WireMessage } from '../../src/wire/index.js';
import { ALL_FEATURES, Harness, type Node, nodeConfig, persist } from './harness.js';

type Msg<K extends WireMessage['kind']> = Extract<WireMessage, { kind: K }>;

const FUNDING_SAT = 1_000_000n;
const CLOSING_FEERATE = DEFAULT_POLICY.closingFeeratePerKw;

function setup(
  o: { pushMsat?: bigint; policyA?: ChannelPolicy; policyB?: ChannelPolicy; commitUpfront?: boolean } = {},
): Harness {
  const h = new Harness(nodeConfig('A', 1, o.policyA), nodeConfig('B', 2, o.policyB));
  h.features = { ...ALL_FEATURES, simpleClose: true };
  h.commitUpfront = o.commitUpfront ?? true;
  h.open({ format: 'static_remotekey', pushMsat: o.pushMsat ?? 250_000_000n, fundingSat: FUNDING_SAT });
  return h;
}

function kinds(msgs: readonly WireMessage[]): string[] {
  return msgs.map((m) => m.kind);
}

/** Removes the next message on its way to `n` and returns it decoded (it must be of `kind`). */
function take<K extends WireMessage['kind']>(n: Node, kind: K): Msg<K> {
  const raw = n.inbox.shift();
  assert.ok(raw !== undefined, `${n.config.name} has no message in flight`);
  const d = decodeMessage(raw);
  assert.ok(d.ok);
  assert.equal(d.value.kind, kind);
  return d.value as Msg<K>;
}

function sent<K extends WireMessage['kind']>(n: Node, kind: K): Msg<K>[] {
  return n.sent.filter((m): m is Msg<K> => m.kind === kind);
}

function txOf(raw: Uint8Array): Tx {
  const d = decodeTx(raw);
  assert.ok(d.ok);
  return d.value;
}

/** The amount `tx` pays to `script` (undefined: no such output). */
function paid(tx: Tx, script: Uint8Array): bigint | undefined {
  return tx.outputs.find((o) => equalBytes(o.script, script))?.amountSat;
}

/** A fully signed transaction spending the funding output, valid by script. */
function assertSpendsFunding(s: ChannelState, raw: Uint8Array): Tx {
  const tx = txOf(raw);
  assert.deepEqual(
    verifyWitnessInputOfTx(tx, 0, { script: fundingOutputScript(s), amountSat: s.fundingSat }),
    { ok: true },
  );
  return tx;
}

/** The broadcast transactions of `n`, by txid hex. */
function broadcasts(n: Node): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const a of n.actions) if (a.kind === 'broadcastClosing') out.set(bytesToHex(a.txid), a.tx);
  return out;
}

/** The fee a closer should ask at `feerate`: the signed transaction's weight with 73-byte signatures. */
function feeAt(signed: Tx, feerate: number): bigint {
  const w = signed.inputs[0]!.witness;
  const sig = new Uint8Array(73);
  return feeForWeight(feerate, txWeight(withWitnesses(signed, [[w[0]!, sig, sig, w[3]!]])));
}

function noFailures(h: Harness): void {
  for (const n of [h.a, h.b])
    assert.deepEqual(n.failures, [], `${n.config.name}: ${JSON.stringify(n.failures)}`);
}

test('one side offers: the funder sends closing_complete, the fundee signs, the funder pays to the sat', () => {
  // 250,000.5 sat pushed: both balances have a msat remainder, which BOLT 3 rounds down.
  const h = setup({ pushMsat: 250_000_500n });
  h.apply(h.b, { kind: 'closeChannel' }); // the fundee asks; the funder still pays
  h.flush();
  noFailures(h);
  assert.deepEqual(kinds(h.b.sent.slice(-2)), ['shutdown', 'closing_sig']);
  assert.deepEqual(sent(h.b, 'closing_complete'), [], 'the fundee leaves the fee to the funder');
  assert.equal(sent(h.a, 'closing_signed').length + sent(h.b, 'closing_signed').length, 0);
  const [cc] = sent(h.a, 'closing_complete');
  assert.ok(cc !== undefined);
  assert.ok(cc.tlvs?.closerOutputOnly !== undefined && cc.tlvs.closerAndCloseeOutputs !== undefined);
  assert.equal(
    cc.tlvs.closeeOutputOnly,
    undefined,
    'not the lesser balance: MUST NOT set closee_output_only',
  );
  assert.equal(cc.locktime, h.height);
  const [sig] = sent(h.b, 'closing_sig');
  assert.ok(sig?.tlvs?.closerAndCloseeOutputs !== undefined && sig.tlvs.closerOutputOnly === undefined);

  for (const n of [h.a, h.b]) assert.equal(n.s.phase, 'closing');
  assert.deepEqual(h.a.s.closingTxid, h.b.s.closingTxid);
  const tx = assertSpendsFunding(h.a.s, h.a.s.closingTx!);
  assert.deepEqual(h.b.s.closingTx, h.a.s.closingTx, 'both hold the same fully signed transaction');
  assert.equal(tx.lockTime, h.height);
  assert.equal(tx.inputs[0]!.sequence, 0xfffffffd);
  assert.equal(tx.outputs.length, 2);
  assert.equal(cc.feeSatoshis, feeAt(tx, CLOSING_FEERATE), 'the fee follows the closing feerate');
  assert.equal(paid(tx, h.b.config.closeScript), 250_000n, "the fundee's balance, rounded down");
  assert.equal(paid(tx, h.a.config.closeScript), 749_999n - cc.feeSatoshis, "the funder's, less its fee");
  for (const n of [h.a, h.b]) {
    assert.deepEqual([...broadcasts(n).keys()], [bytesToHex(h.a.s.closingTxid!)]);
    assert.equal(n.events.filter((e) => e.kind === 'closing' && e.how === 'mutual').length, 1);
  }
  h.apply(h.b, { kind: 'fundingSpent', tx });
  assert.equal(h.b.s.phase, 'closed');
  assert.ok(h.b.events.some((e) => e.kind === 'closed' && e.how === 'mutual'));
});

test('the feerate of the close command sets the fee of our closing_complete', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 2_000 });
  h.flush();
  noFailures(h);
  const [cc] = sent(h.a, 'closing_complete');
  const tx = txOf(h.a.s.closingTx!);
  assert.equal(cc?.feeSatoshis, feeAt(tx, 2_000));
  assert.equal(paid(tx, h.a.config.closeScript), 750_000n - cc!.feeSatoshis);
});

test('both sides close at once: two transactions, each closer pays its own fee', () => {
  const always = policyWith({ simpleCloseAsFundee: 'always' });
  const h = setup({ policyB: always });
  h.apply(h.a, { kind: 'closeChannel' });
  h.apply(h.b, { kind: 'closeChannel' }); // the shutdowns cross
  h.flush();
  noFailures(h);
  const [fromA] = sent(h.a, 'closing_complete');
  const [fromB] = sent(h.b, 'closing_complete');
  assert.ok(fromA !== undefined && fromB !== undefined);
  assert.equal(sent(h.a, 'closing_sig').length, 1);
  assert.equal(sent(h.b, 'closing_sig').length, 1);
  const own = new Map<Node, Tx>();
  for (const n of [h.a, h.b]) {
    const sc = n.s.simpleClosing!;
    assert.equal(sc.signedTxids.length, 2, `${n.config.name} signed both transactions`);
    assert.ok(sc.ownTxid !== undefined && sc.remoteTxid !== undefined);
    assert.ok(!equalBytes(sc.ownTxid, sc.remoteTxid), 'two conflicting transactions');
    const txs = broadcasts(n);
    assert.equal(txs.size, 2, `${n.config.name} broadcasts both`);
    for (const raw of txs.values()) assertSpendsFunding(n.s, raw);
    own.set(n, txOf(txs.get(bytesToHex(sc.ownTxid))!));
  }
  assert.deepEqual(h.a.s.simpleClosing!.ownTxid, h.b.s.simpleClosing!.remoteTxid);
  const aTx = own.get(h.a)!;
  const bTx = own.get(h.b)!;
  assert.equal(paid(aTx, h.a.config.closeScript), 750_000n - fromA.feeSatoshis);
  assert.equal(paid(aTx, h.b.config.closeScript), 250_000n);
  assert.equal(paid(bTx, h.b.config.closeScript), 250_000n - fromB.feeSatoshis);
  assert.equal(paid(bTx, h.a.config.closeScript), 750_000n);
  // The lesser side (B) offers only the two-output variant.
  assert.deepEqual(Object.keys(fromB.tlvs ?? {}), ['closerAndCloseeOutputs']);
  // Whichever confirms, the channel is closed by a mutual close.
  h.apply(h.a, { kind: 'fundingSpent', tx: bTx });
  assert.equal(h.a.s.phase, 'closed');
  assert.deepEqual(h.a.s.closingTxid, txid(bTx));
  assert.ok(h.a.events.some((e) => e.kind === 'closed' && e.how === 'mutual'));
});

test('the fundee offers when the funder cannot pay, and a lesser closer leaves its dust output out', () => {
  // A (funder) keeps 15,000 sat. At B's closing feerate (30,000 sat/kw) that cannot pay the fee of
  // A's transaction, so B offers its own as well.
  const h = setup({ pushMsat: 985_000_000n, policyB: policyWith({ closingFeeratePerKw: 30_000 }) });
  // At 22,000 sat/kw A's output would be dust after the fee: being the lesser side, A leaves it out.
  h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 22_000 });
  h.flush();
  noFailures(h);
  const [fromA] = sent(h.a, 'closing_complete');
  assert.deepEqual(Object.keys(fromA!.tlvs ?? {}), ['closeeOutputOnly']);
  assert.equal(fromA!.feeSatoshis, 15_000n, 'all of A goes to the fee');
  const [fromB] = sent(h.b, 'closing_complete');
  assert.ok(fromB !== undefined, 'the fundee sends its own: the funder cannot pay a full fee');
  assert.deepEqual(Object.keys(fromB.tlvs ?? {}), ['closerOutputOnly', 'closerAndCloseeOutputs']);
  const aTx = txOf(broadcasts(h.b).get(bytesToHex(h.b.s.simpleClosing!.remoteTxid!))!);
  assert.deepEqual(
    aTx.outputs.map((o) => o.amountSat),
    [985_000n],
    "A's transaction: only B's output, exactly B's balance",
  );
  const bRaw = broadcasts(h.b).get(bytesToHex(h.b.s.simpleClosing!.ownTxid!))!;
  const bTx = assertSpendsFunding(h.b.s, bRaw);
  assert.equal(paid(bTx, h.b.config.closeScript), 985_000n - fromB.feeSatoshis);
  assert.equal(paid(bTx, h.a.config.closeScript), 15_000n);
  assert.equal(fromB.feeSatoshis, feeAt(bTx, 30_000));
});

/** The raw signed transaction `n` broadcast for `tx`. */
function encodeSigned(n: Node, tx: Tx): Uint8Array {
  return broadcasts(n).get(bytesToHex(txid(tx)))!;
}

test("a closee's output below dust is omitted: closer_output_only only", () => {
  const h = setup({ pushMsat: 200_000n }); // B has 200 sat, below P2WPKH's 294-sat dust threshold
  assert.ok(200n < dustThresholdSat(h.b.config.closeScript));
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  noFailures(h);
  const [cc] = sent(h.a, 'closing_complete');
  assert.deepEqual(Object.keys(cc!.tlvs ?? {}), ['closerOutputOnly']);
  assert.deepEqual(sent(h.b, 'closing_complete'), []);
  const tx = assertSpendsFunding(h.b.s, h.b.s.closingTx!);
  assert.deepEqual(
    tx.outputs.map((o) => o.amountSat),
    [999_800n - cc!.feeSatoshis],
  );
  assert.equal(cc!.feeSatoshis, feeAt(tx, CLOSING_FEERATE), 'the fee of the one-output transaction');
});

/** Runs the close until A's closing_complete is on its way to B (held there). */
function untilClosingComplete(h: Harness): Msg<'closing_complete'> {
  h.apply(h.a, { kind: 'closeChannel' });
  h.deliver(h.b); // A's shutdown -> B's shutdown
  h.deliver(h.a); // B's shutdown -> A's closing_complete
  return take(h.b, 'closing_complete');
}

/** Applies a (tampered) message to `n` and checks the BOLT 2 answer: a warning, nothing signed. */
function assertWarned(h: Harness, n: Node, m: ChannelMessage, why: RegExp): void {
  const before = n.s;
  const r = h.apply(n, encodeRoundTrip(m));
  assert.equal(r.failure?.kind, 'warning', `expected a warning, got ${JSON.stringify(r.failure)}`);
  assert.match(r.failure?.message ?? '', why);
  assert.deepEqual(kinds(r.outbound), ['warning']);
  assert.deepEqual(r.actions, []);
  assert.equal(n.s, before, 'the state is left as it was');
}

/** Through the codec, so that a tampered message is one a peer could really send. */
function encodeRoundTrip(m: ChannelMessage): ChannelMessage {
  const d = decodeMessage(encodeMessage(m));
  assert.ok(d.ok);
  return d.value as ChannelMessage;
}

function tamper(sig: Uint8Array): Uint8Array {
  const s = Uint8Array.from(sig);
  s[10] = (s[10] ?? 0) ^ 1;
  return s;
}

/** The same signature with s replaced by n - s: valid math, but high S. */
function highS(sig: Uint8Array): Uint8Array {
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
  const hi = (N - s).toString(16).padStart(64, '0');
  const out = Uint8Array.from(sig);
  out.set(Uint8Array.from(hi.match(/../g)!.map((b) => Number.parseInt(b, 16))), 32);
  return out;
}

test('closing_complete checks: each bad one earns a warning, and a good one still closes', () => {
  const h = setup();
  const cc = untilClosingComplete(h);
  const tlvs = cc.tlvs!;
  const balanceA = 750_000n;
  assertWarned(h, h.b, { ...cc, feeSatoshis: balanceA + 1n }, /exceeds the closer's balance/);
  assertWarned(h, h.b, { ...cc, closeeScriptpubkey: h.a.config.closeScript }, /closee_scriptpubkey/);
  assertWarned(h, h.b, { ...cc, closerScriptpubkey: Uint8Array.of(0x76, 0xa9) }, /closer_scriptpubkey/);
  assertWarned(
    h,
    h.b,
    { ...cc, closerScriptpubkey: h.b.config.closeScript },
    /closer_scriptpubkey differs from the upfront/,
  );
  assertWarned(
    h,
    h.b,
    { ...cc, tlvs: { ...tlvs, closerAndCloseeOutputs: tamper(tlvs.closerAndCloseeOutputs!) } },
    /closer_and_closee_outputs signature is invalid/,
  );
  const high = highS(tlvs.closerAndCloseeOutputs!);
  assert.ok(!equalBytes(high, tlvs.closerAndCloseeOutputs!));
  assert.deepEqual(highS(high), tlvs.closerAndCloseeOutputs, 'the same signature, only its S negated');
  assertWarned(h, h.b, { ...cc, tlvs: { ...tlvs, closerAndCloseeOutputs: high } }, /signature is invalid/);
  // Without closer_and_closee_outputs the closee must use closee_output_only, which A did not set.
  assertWarned(
    h,
    h.b,
    { ...cc, tlvs: { closerOutputOnly: tlvs.closerOutputOnly! } },
    /lacks the closee_output_only/,
  );
  // A signature for another fee does not verify.
  assertWarned(h, h.b, { ...cc, feeSatoshis: cc.feeSatoshis + 1n }, /signature is invalid/);
  assertWarned(h, h.b, { ...cc, locktime: cc.locktime + 1 }, /signature is invalid/);
  assert.equal(h.b.s.phase, 'negotiating');
  // The genuine one is signed.
  const r = h.apply(h.b, cc);
  assert.equal(r.failure, undefined);
  assert.deepEqual(kinds(r.outbound), ['closing_sig']);
  assert.equal(h.b.s.phase, 'closing');
});

test("closing_complete checks: the closee's dust output selects closer_output_only, which must be there", () => {
  const h = setup({ pushMsat: 200_000n });
  const cc = untilClosingComplete(h);
  assert.ok(cc.tlvs?.closerOutputOnly !== undefined);
  assertWarned(h, h.b, { ...cc, tlvs: {} }, /lacks the closer_output_only/);
  // A closer_and_closee_outputs signature is no use to a closee whose output is dust.
  assertWarned(
    h,
    h.b,
    { ...cc, tlvs: { closerAndCloseeOutputs: cc.tlvs.closerOutputOnly } },
    /lacks the closer_output_only/,
  );
  assert.equal(h.apply(h.b, cc).failure, undefined);
});

test('closing_sig checks: fields must echo our closing_complete, with exactly one valid signature we asked for', () => {
  const h = setup();
  const cc = untilClosingComplete(h);
  h.apply(h.b, cc);
  const sig = take(h.a, 'closing_sig');
  const s2 = sig.tlvs!.closerAndCloseeOutputs!;
  assertWarned(h, h.a, { ...sig, feeSatoshis: sig.feeSatoshis + 1n }, /does not match/);
  assertWarned(h, h.a, { ...sig, locktime: sig.locktime + 1 }, /does not match/);
  assertWarned(h, h.a, { ...sig, closerScriptpubkey: h.b.config.closeScript }, /does not match/);
  assertWarned(h, h.a, { ...sig, tlvs: {} }, /0 signatures/);
  assertWarned(
    h,
    h.a,
    { ...sig, tlvs: { closerOutputOnly: s2, closerAndCloseeOutputs: s2 } },
    /2 signatures/,
  );
  assertWarned(h, h.a, { ...sig, tlvs: { closeeOutputOnly: s2 } }, /which we did not offer/);
  assertWarned(h, h.a, { ...sig, tlvs: { closerOutputOnly: s2 } }, /closer_output_only signature is invalid/);
  assertWarned(h, h.a, { ...sig, tlvs: { closerAndCloseeOutputs: tamper(s2) } }, /signature is invalid/);
  assertWarned(h, h.a, { ...sig, tlvs: { closerAndCloseeOutputs: highS(s2) } }, /signature is invalid/);
  assert.equal(h.a.s.phase, 'negotiating');
  const r = h.apply(h.a, sig);
  assert.equal(r.failure, undefined);
  assert.equal(h.a.s.phase, 'closing');
  assert.deepEqual(h.a.s.closingTxid, h.b.s.closingTxid);
  // A closing_sig with nothing outstanding is a protocol violation too.
  assertWarned(h, h.a, sig, /without a closing_complete of ours/);
});

test('RBF: the closer replaces its transaction; the closee signs the replacement', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  const first = h.a.s.closingTxid!;
  const firstTx = txOf(h.a.s.closingTx!);
  // Another script is refused: A committed to its upfront script.
  assert.equal(
    h.apply(h.a, { kind: 'closeChannel', scriptpubkey: h.b.config.closeScript }).rejected?.code,
    'invalid',
  );
  const bump = h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 1_000 });
  assert.equal(bump.rejected, undefined, bump.rejected?.message);
  assert.deepEqual(kinds(bump.outbound), ['closing_complete']);
  // BOLT 2: "MUST wait until it has received `closing_sig` first."
  const again = h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 2_000 });
  assert.equal(again.rejected?.code, 'closing');
  h.flush();
  noFailures(h);
  const [, second] = sent(h.a, 'closing_complete');
  assert.ok(second !== undefined);
  const tx = assertSpendsFunding(h.b.s, h.b.s.closingTx!);
  assert.ok(!equalBytes(h.a.s.closingTxid!, first), 'a new transaction');
  assert.deepEqual(h.a.s.closingTxid, h.b.s.closingTxid);
  assert.equal(second.feeSatoshis, feeAt(tx, 1_000));
  assert.ok(second.feeSatoshis > sent(h.a, 'closing_complete')[0]!.feeSatoshis);
  assert.equal(paid(tx, h.a.config.closeScript), 750_000n - second.feeSatoshis);
  assert.equal(paid(tx, h.b.config.closeScript), 250_000n);
  for (const n of [h.a, h.b]) {
    assert.equal(n.s.simpleClosing!.signedTxids.length, 2);
    assert.equal(broadcasts(n).size, 2);
    assert.equal(n.events.filter((e) => e.kind === 'closing').length, 1, 'one closing event');
  }
  assert.deepEqual(h.b.s.simpleClosing!.remoteTxid, h.a.s.closingTxid);
  // The replaced transaction may still be the one that confirms.
  h.apply(h.b, { kind: 'fundingSpent', tx: firstTx });
  assert.equal(h.b.s.phase, 'closed');
  assert.deepEqual(h.b.s.closingTxid, first);
});

test('RBF to an OP_RETURN output: the closer output is zero and the closee still gets its balance', () => {
  const h = setup({ commitUpfront: false });
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  const opReturn = Uint8Array.of(0x6a, 6, 1, 2, 3, 4, 5, 6);
  const r = h.apply(h.a, { kind: 'closeChannel', scriptpubkey: opReturn });
  assert.equal(r.rejected, undefined, r.rejected?.message);
  h.flush();
  noFailures(h);
  const tx = assertSpendsFunding(h.b.s, h.b.s.closingTx!);
  assert.equal(paid(tx, opReturn), 0n);
  assert.equal(paid(tx, h.b.config.closeScript), 250_000n);
  // The closee answers the new script from then on.
  assert.deepEqual(h.b.s.remoteShutdown, opReturn);
});

test('the closee signs a replacement closing_complete from the peer in phase closing', () => {
  const always = policyWith({ simpleCloseAsFundee: 'always' });
  const h = setup({ policyB: always });
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  const before = h.a.s.simpleClosing!.remoteTxid!;
  h.apply(h.b, { kind: 'closeChannel', closingFeeratePerKw: 3_000 });
  h.flush();
  noFailures(h);
  const replaced = h.a.s.simpleClosing!.remoteTxid!;
  assert.ok(!equalBytes(before, replaced));
  assert.deepEqual(replaced, h.b.s.simpleClosing!.ownTxid);
  assert.equal(h.a.s.simpleClosing!.signedTxids.length, 3);
  const tx = txOf(broadcasts(h.a).get(bytesToHex(replaced))!);
  const [, second] = sent(h.b, 'closing_complete');
  assert.equal(paid(tx, h.b.config.closeScript), 250_000n - second!.feeSatoshis);
  assert.equal(second!.feeSatoshis, feeAt(assertSpendsFunding(h.a.s, encodeSigned(h.a, tx)), 3_000));
});

test('a restart between closing_complete and closing_sig: the stored state resumes and the close completes', () => {
  const h = setup();
  const cc = untilClosingComplete(h);
  // The stored state of A in the middle is an exact round trip, our offer included.
  const mid = h.a.s;
  const back = deserializeChannel(serializeChannel(mid));
  assert.ok(back.ok);
  assert.deepEqual(back.value.simpleClosing, mid.simpleClosing);
  assert.equal(back.value.simpleClosing?.awaitingSig?.feeSat, cc.feeSatoshis);
  // B signs and broadcasts; its closing_sig is lost with A's crash.
  h.apply(h.b, cc);
  h.a.state = persist(mid);
  h.disconnect();
  assert.equal(h.a.s.simpleClosing?.awaitingSig, undefined, 'an unanswered offer is forgotten');
  h.reconnect();
  h.flush();
  noFailures(h);
  for (const n of [h.a, h.b]) assert.equal(n.s.phase, 'closing');
  // The shutdown exchange restarted the flow: the same offer again, signed again.
  const offers = sent(h.a, 'closing_complete');
  assert.equal(offers.length, 2);
  assert.deepEqual(encodeMessage(offers[1]!), encodeMessage(offers[0]!));
  assert.deepEqual(h.a.s.closingTxid, h.b.s.closingTxid);
  assert.equal(h.b.s.simpleClosing!.signedTxids.length, 1, 'the same transaction, once');
  assertSpendsFunding(h.a.s, h.a.s.closingTx!);
});

test('a disconnection before the channel is clean: the close finishes after channel_reestablish', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel' });
  h.deliver(h.b); // B answers shutdown; its shutdown is lost
  h.disconnect();
  h.reconnect();
  h.flush();
  noFailures(h);
  for (const n of [h.a, h.b]) assert.equal(n.s.phase, 'closing');
  assert.deepEqual(h.a.s.closingTxid, h.b.s.closingTxid);
});

test('legacy closing_signed when a side lacks option_simple_close', () => {
  // Both offer it (our init features): negotiated. A peer without bit 60/61: not.
  assert.ok(OUR_INIT_FEATURES.isOptional(FEATURES.optionSimpleClose), 'advertised as optional (bit 61)');
  assert.ok(!OUR_INIT_FEATURES.has(FEATURES.optionSimpleClose.required), 'never required');
  assert.equal(negotiatedFeatures(OUR_INIT_FEATURES, OUR_INIT_FEATURES).simpleClose, true);
  const ldk = OUR_INIT_FEATURES.without(FEATURES.optionSimpleClose.optional);
  assert.equal(negotiatedFeatures(OUR_INIT_FEATURES, ldk).simpleClose, false);
  assert.equal(negotiatedFeatures(OUR_INIT_FEATURES, Features.fromBits([])).simpleClose, false);

  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey', pushMsat: 250_000_000n });
  assert.equal(h.a.s.features.simpleClose, false);
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  noFailures(h);
  assert.ok(sent(h.a, 'closing_signed').length > 0);
  assert.deepEqual([...sent(h.a, 'closing_complete'), ...sent(h.b, 'closing_complete')], []);
  assert.equal(h.a.s.phase, 'closing');
  assert.equal(h.a.s.simpleClosing, undefined);
  assert.equal(txOf(h.a.s.closingTx!).inputs[0]!.sequence, 0xffffffff, 'the legacy transaction shape');
});

test('closing_complete on a legacy channel, and closing_signed on a simple one, are refused with a warning', () => {
  const legacy = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  legacy.open({ format: 'static_remotekey', pushMsat: 250_000_000n });
  legacy.apply(legacy.a, { kind: 'closeChannel' });
  legacy.deliver(legacy.b);
  legacy.deliver(legacy.a);
  const signed = take(legacy.b, 'closing_signed');
  const fake: Msg<'closing_complete'> = {
    kind: 'closing_complete',
    channelId: signed.channelId,
    closerScriptpubkey: legacy.a.config.closeScript,
    closeeScriptpubkey: legacy.b.config.closeScript,
    feeSatoshis: signed.feeSatoshis,
    locktime: 0,
    tlvs: { closerAndCloseeOutputs: signed.signature },
  };
  assertWarned(legacy, legacy.b, fake, /without option_simple_close/);

  const h = setup();
  untilClosingComplete(h);
  assertWarned(h, h.b, { ...signed, channelId: h.b.s.channelId! }, /closing_signed in phase negotiating/);
});

test('shutdown scripts: OP_RETURN only with option_simple_close', () => {
  const opReturn = Uint8Array.of(0x6a, 6, 1, 2, 3, 4, 5, 6);
  const h = setup({ commitUpfront: false });
  const r = h.apply(h.b, { kind: 'shutdown', channelId: h.b.s.channelId!, scriptpubkey: opReturn });
  assert.equal(r.failure, undefined);
  assert.deepEqual(h.b.s.remoteShutdown, opReturn);
  const legacy = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  legacy.commitUpfront = false;
  legacy.open({ format: 'static_remotekey', pushMsat: 250_000_000n });
  const w = legacy.apply(legacy.b, {
    kind: 'shutdown',
    channelId: legacy.b.s.channelId!,
    scriptpubkey: opReturn,
  });
  assert.equal(w.failure?.kind, 'warning');
});

test('a close command while the shutdown exchange is under way, or while disconnected, is refused', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel' });
  assert.equal(h.apply(h.a, { kind: 'closeChannel' }).rejected?.code, 'closing');
  h.flush();
  h.disconnect();
  assert.equal(
    h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 900 }).rejected?.code,
    'disconnected',
  );
});

test('the fundee may still offer (and pay for) its own transaction on command', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  assert.deepEqual(sent(h.b, 'closing_complete'), [], 'by default the funder pays');
  const r = h.apply(h.b, { kind: 'closeChannel', closingFeeratePerKw: 500 });
  assert.deepEqual(kinds(r.outbound), ['closing_complete']);
  h.flush();
  noFailures(h);
  const [fromB] = sent(h.b, 'closing_complete');
  const own = h.b.s.simpleClosing!.ownTxid!;
  assert.deepEqual(h.a.s.simpleClosing!.remoteTxid, own);
  const tx = assertSpendsFunding(h.b.s, broadcasts(h.b).get(bytesToHex(own))!);
  assert.equal(fromB!.feeSatoshis, feeAt(tx, 500));
  assert.equal(paid(tx, h.b.config.closeScript), 250_000n - fromB!.feeSatoshis);
  assert.equal(paid(tx, h.a.config.closeScript), 750_000n);
  assert.equal(h.b.s.closingFeeratePerKw, 500);
});
