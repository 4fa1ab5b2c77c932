// BOLT 1 Appendices A (BigSize), B (TLV), C (message extension) and D (signed integers).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import {
  bigSize,
  type Codec,
  DecodeError,
  decode,
  decodeMessage,
  encode,
  encodeMessage,
  point,
  s8,
  s16,
  s32,
  s64,
  shortChannelId,
  struct,
  tlv,
  tlvStream,
  tu32,
  tu64,
  u16,
  u64,
} from '../../src/wire/index.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/wire/${name}`, import.meta.url), 'utf8'));

test('Appendix A: BigSize decoding', () => {
  const { decoding } = fixture('bigsize.json') as {
    decoding: { name: string; value: string; bytes: string; exp_error?: string }[];
  };
  for (const v of decoding) {
    if (v.exp_error !== undefined) {
      assert.throws(() => decode(bigSize, hexToBytes(v.bytes)), DecodeError, v.name);
      const code = v.exp_error.includes('canonical') ? 'non_minimal' : 'eof';
      try {
        decode(bigSize, hexToBytes(v.bytes));
      } catch (e) {
        assert.equal((e as DecodeError).code, code, v.name);
      }
    } else {
      assert.equal(decode(bigSize, hexToBytes(v.bytes)), BigInt(v.value), v.name);
    }
  }
});

test('Appendix A: BigSize encoding', () => {
  const { encoding } = fixture('bigsize.json') as {
    encoding: { name: string; value: string; bytes: string }[];
  };
  for (const v of encoding) assert.equal(bytesToHex(encode(bigSize, BigInt(v.value))), v.bytes, v.name);
});

// The two namespaces of Appendix B.
const n1 = tlvStream('n1', {
  tlv1: tlv(1, struct('tlv1', { amount_msat: tu64 })),
  tlv2: tlv(2, struct('tlv2', { scid: shortChannelId })),
  tlv3: tlv(3, struct('tlv3', { node_id: point, amount_msat_1: u64, amount_msat_2: u64 })),
  tlv4: tlv(254, struct('tlv4', { cltv_delta: u16 })),
});
const n2 = tlvStream('n2', {
  tlv1: tlv(0, struct('tlv1', { amount_msat: tu64 })),
  tlv2: tlv(11, struct('tlv2', { cltv_expiry: tu32 })),
});

interface TlvCase {
  namespaces: ('n1' | 'n2')[];
  valid: boolean;
  hex: string;
  note: string;
  expect?: Record<string, Record<string, string>>;
}

function scidString(s: bigint): string {
  return `${s >> 40n}x${(s >> 16n) & 0xffffffn}x${s & 0xffffn}`;
}

test('Appendix B: TLV decoding failures and successes', () => {
  const { cases } = fixture('tlv.json') as { cases: TlvCase[] };
  assert.equal(cases.length, 57);
  for (const c of cases) {
    for (const ns of c.namespaces) {
      // The two namespaces decode to different record types; the checks below only need records.
      const codec = (ns === 'n1' ? n1 : n2) as unknown as Codec<Record<string, unknown>>;
      const bytes = hexToBytes(c.hex);
      if (!c.valid) {
        assert.throws(() => decode(codec, bytes), DecodeError, `${ns} ${c.hex} should fail: ${c.note}`);
        continue;
      }
      const v = decode(codec, bytes) as Record<string, unknown>;
      // Re-encoding reproduces the stream byte for byte (unknown odd records are kept).
      assert.equal(bytesToHex(encode(codec, v)), c.hex, `${ns} ${c.hex} re-encodes`);
      if (c.expect === undefined) {
        assert.deepEqual(
          Object.keys(v).filter((k) => k !== 'unknown'),
          [],
        );
        continue;
      }
      const [[name, fields]] = Object.entries(c.expect) as [[string, Record<string, string>]];
      const got = v[name] as Record<string, unknown>;
      for (const [f, want] of Object.entries(fields)) {
        const g = got[f];
        const s =
          g instanceof Uint8Array ? bytesToHex(g) : f === 'scid' ? scidString(g as bigint) : String(g);
        assert.equal(s, want, `${c.hex}: ${name}.${f}`);
      }
    }
  }
});

test('Appendix B: appending a higher valid stream to a lower one decodes; an invalid suffix fails', () => {
  const { cases } = fixture('tlv.json') as { cases: TlvCase[] };
  const valid = cases.filter((c) => c.valid && c.namespaces.includes('n1') && c.hex !== '');
  const invalid = cases.filter((c) => !c.valid && c.namespaces.includes('n1'));
  const firstType = (hex: string) => decode(n1, hexToBytes(hex)); // sanity: each valid case decodes alone
  for (const a of valid) {
    firstType(a.hex);
    for (const b of invalid) {
      assert.throws(() => decode(n1, hexToBytes(a.hex + b.hex)), DecodeError, `${a.hex}+${b.hex}`);
    }
  }
  // tlv1 (type 1) followed by tlv4 (type 254) is a valid increasing stream.
  const v = decode(n1, hexToBytes('010101fd00fe020226'));
  assert.equal(v.tlv1?.amount_msat, 1n);
  assert.equal(v.tlv4?.cltv_delta, 550);
});

test('Appendix C: init message extensions', () => {
  const { valid, invalid } = fixture('init-extension.json') as { valid: string[]; invalid: string[] };
  for (const h of valid) {
    const r = decodeMessage(hexToBytes(h));
    assert.ok(r.ok, h);
    assert.equal(r.value.kind, 'init');
    assert.equal(bytesToHex(encodeMessage(r.value)), h, 'unknown odd records survive re-encoding');
  }
  for (const h of invalid) {
    const r = decodeMessage(hexToBytes(h));
    assert.equal(r.ok, false, h);
  }
});

test('Appendix D: signed integers (big-endian two complement, smallest width that fits)', () => {
  const { cases } = fixture('signed-integers.json') as { cases: { value: string; bytes: string }[] };
  assert.equal(cases.length, 23);
  for (const c of cases) {
    const v = BigInt(c.value);
    const codec = [s8, s16, s32, s64][Math.log2(c.bytes.length / 2)];
    assert.ok(codec !== undefined);
    assert.equal(bytesToHex(encode(codec, v)), c.bytes, c.value);
    assert.equal(decode(codec, hexToBytes(c.bytes)), v, c.value);
  }
});
