// BOLT 3 Appendix B: the funding transaction. Our part is the 2-of-2 output and BIP 69 order;
// the P2PKH input (a wallet concern) is signed here with @scure/btc-signer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Transaction } from '@scure/btc-signer';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import { decodeTx, fundingScript, p2wsh, sortOutputs, txid, txidToHex } from '../../src/tx/index.js';
import { loadFixture } from './bolt3-vectors.js';

const b = loadFixture<Record<string, string | number>>('bolt3-funding.json');
const h = (k: string) => hexToBytes(b[k] as string);

test('Appendix B: funding witness script and output', () => {
  const ws = fundingScript(h('localFundingPubkey'), h('remoteFundingPubkey'));
  assert.equal(bytesToHex(ws), b.fundingWitnessScript);
  const decoded = decodeTx(h('fundingTx'));
  assert.ok(decoded.ok);
  const out = decoded.value.outputs[b.fundingOutput as number]!;
  assert.deepEqual(out.script, p2wsh(ws));
  assert.equal(out.amountSat, BigInt(b.fundingSatoshis as number));
  assert.equal(txidToHex(txid(decoded.value)), b.fundingTxid);
});

test('Appendix B: the whole funding transaction, byte-exact', () => {
  const coinbase = h('blockOneCoinbaseTx');
  const privkey = h('blockOneCoinbasePrivkey').subarray(0, 32); // "32 bytes plus a trailing 1"
  const coinbaseTx = decodeTx(coinbase);
  assert.ok(coinbaseTx.ok);
  assert.equal(txidToHex(txid(coinbaseTx.value)), b.inputTxid);
  // The change goes to the P2WPKH of the coinbase's key (its P2PKH script holds the key hash).
  const keyHash = coinbaseTx.value.outputs[0]!.script.subarray(3, 23);
  const change = Uint8Array.of(0x00, 0x14, ...keyHash);
  const outputs = sortOutputs([
    { amountSat: BigInt(b.changeSatoshis as number), script: change },
    {
      amountSat: BigInt(b.fundingSatoshis as number),
      script: p2wsh(fundingScript(h('localFundingPubkey'), h('remoteFundingPubkey'))),
    },
  ]);
  // funding output: 0 (BIP 69 puts the smaller amount first).
  assert.equal(outputs[b.fundingOutput as number]!.amountSat, BigInt(b.fundingSatoshis as number));
  const tx = new Transaction({ version: 2, allowUnknownOutputs: true });
  tx.addInput({ txid: b.inputTxid as string, index: b.inputIndex as number, nonWitnessUtxo: coinbase });
  for (const o of outputs) tx.addOutput({ script: o.script, amount: o.amountSat });
  tx.sign(privkey);
  tx.finalize();
  assert.equal(bytesToHex(tx.extract()), b.fundingTx);
  // The fee follows from the spec's amounts: input - funding - change.
  assert.equal(
    BigInt(b.inputSatoshis as number) -
      BigInt(b.fundingSatoshis as number) -
      BigInt(b.changeSatoshis as number),
    13920n,
  );
});
