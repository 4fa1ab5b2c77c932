// src/chain/devnet/script-verifier.ts: the devnet's default input check, src/tx's script checker
// (segwit v0: P2WPKH and P2WSH, with CHECKSIG, CHECKMULTISIG, CSV and CLTV).
import { verifyWitnessInput } from '../../tx/script-check.js';
import type { InputVerifier } from './validate.js';

export const verifyDevnetInput: InputVerifier = (rawTx, inputIndex, prevoutScript, prevoutAmountSat) =>
  verifyWitnessInput(rawTx, inputIndex, prevoutScript, prevoutAmountSat);
