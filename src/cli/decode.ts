// `ksnode decode <input>`: shows what a Lightning artifact contains — a BOLT 11 invoice, or a hex
// BOLT 1/2/7 wire message. Output is JSON (bigints as decimal strings, bytes as hex).
import { hexToBytes } from '../crypto/index.js';
import { decodeInvoice, InvoiceError } from '../invoice/index.js';
import { decodeMessage, describeMessage, type JsonValue, toJsonValue } from '../wire/index.js';

export type DecodeOutcome = { ok: true; what: string; value: JsonValue } | { ok: false; error: string };

export function decodeArtifact(input: string): DecodeOutcome {
  const text = input.trim();
  if (/^(lightning:)?ln/i.test(text)) {
    try {
      const inv = decodeInvoice(text.replace(/^lightning:/i, ''));
      return { ok: true, what: 'BOLT 11 invoice', value: toJsonValue(inv) };
    } catch (e) {
      if (e instanceof InvoiceError) return { ok: false, error: `invalid BOLT 11 invoice: ${e.message}` };
      throw e;
    }
  }
  const hex = text.replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) {
    return { ok: false, error: 'expected a BOLT 11 invoice (ln...) or an even-length hex wire message' };
  }
  const r = decodeMessage(hexToBytes(hex));
  if (!r.ok) return { ok: false, error: `invalid wire message: ${r.error.message} (${r.error.code})` };
  if (r.value.kind === 'unknown') {
    const parity =
      r.value.type % 2 === 0 ? 'even: a peer would close the connection' : 'odd: a peer would ignore it';
    return { ok: false, error: `unknown message type ${r.value.type} (${parity})` };
  }
  return { ok: true, what: `wire message ${r.value.kind}`, value: describeMessage(r.value) };
}
