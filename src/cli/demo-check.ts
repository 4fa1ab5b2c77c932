// src/cli/demo-check.ts: did a demo payment arrive with its records? Compares what was sent with
// the sender's payment and the recipient's ad-hoc keysend invoice, as the API shows them. Pure.
import { bytesToHex } from '../crypto/index.js';
import { PODCAST_RECORD_TYPE, WHATSAT } from '../onion/index.js';
import type { Invoice, Payment } from './api-types.js';
import type { DemoPayment } from './demo-plan.js';

const utf8 = new TextEncoder();

/** The sender's view and the recipient's view of one payment (either may be missing). */
export interface ArrivalEvidence {
  payment: Payment | undefined;
  invoice: Invoice | undefined;
  /** The payer's node id (hex): a signed message must name it and verify. */
  senderNodeId: string;
  /** The node the payment had to leave through (a side path), when one was asked for. */
  firstHopNodeId?: string;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return a === b;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b as object).sort();
  return (
    ka.length === kb.length &&
    ka.every(
      (k, i) => k === kb[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/**
 * Every way the payment falls short of "arrived, settled, with its records"; empty when it did.
 * Records are compared byte-exact (the chat message and the boost JSON as sent), and a signed
 * message must come with the payer's node id and a verified signature.
 */
export function checkArrival(spec: DemoPayment, e: ArrivalEvidence): string[] {
  const problems: string[] = [];
  const p = e.payment;
  if (p === undefined) problems.push('the sender has no record of the payment');
  else if (p.status !== 'succeeded')
    problems.push(`the payment ${p.status}${p.failureReason !== null ? `: ${p.failureReason}` : ''}`);
  if (p?.status === 'succeeded' && e.firstHopNodeId !== undefined) {
    const won = p.attempts?.filter((a) => a.status === 'succeeded').at(-1);
    if (won?.route.hops[0]?.nodeId !== e.firstHopNodeId)
      problems.push(`the payment did not leave through ${e.firstHopNodeId} as asked`);
  }
  const inv = e.invoice;
  if (inv === undefined) {
    problems.push('the recipient has no invoice for the payment hash');
    return problems;
  }
  if (inv.state !== 'settled') problems.push(`the recipient's invoice is ${inv.state}, not settled`);
  if (!inv.keysend) problems.push('the invoice is not marked as a keysend');
  if (BigInt(inv.amountReceivedMsat) < spec.amountMsat)
    problems.push(`received ${inv.amountReceivedMsat} msat, less than the ${spec.amountMsat} msat sent`);

  const messageRecord = inv.records[WHATSAT.message.toString()];
  if (spec.message !== undefined) {
    if (messageRecord !== bytesToHex(utf8.encode(spec.message)))
      problems.push(`the chat message record (${WHATSAT.message}) is missing or differs from what was sent`);
    if (inv.app?.message !== spec.message) problems.push('the decoded message differs from what was sent');
    if (spec.signSender === true) {
      if (inv.app?.senderNodeId !== e.senderNodeId)
        problems.push(`the sender node id is ${inv.app?.senderNodeId ?? 'missing'}, not the payer's`);
      if (inv.app?.senderVerified !== true)
        problems.push(
          `the sender was not verified${inv.app?.senderUnverifiedReason ? `: ${inv.app.senderUnverifiedReason}` : ''}`,
        );
    }
  } else if (messageRecord !== undefined) problems.push('a chat message arrived that was never sent');

  const boostRecord = inv.records[PODCAST_RECORD_TYPE.toString()];
  if (spec.boost !== undefined) {
    if (boostRecord === undefined) problems.push(`the boost record (${PODCAST_RECORD_TYPE}) is missing`);
    else if (boostRecord !== bytesToHex(utf8.encode(JSON.stringify(spec.boost))))
      problems.push('the boost record differs from the JSON that was sent');
    if (!sameJson(inv.app?.boost, spec.boost))
      problems.push('the decoded boost fields differ from what was sent');
  } else if (boostRecord !== undefined) problems.push('a boost arrived that was never sent');
  return problems;
}
