// BOLT 8 "Message Encryption Tests", key rotation, and the incremental frame decoder.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import { ByteQueue } from '../../src/transport/byte-queue.js';
import {
  CipherState,
  encodeNonce,
  encryptMessage,
  MAX_FRAME_BYTES,
  MessageDecoder,
} from '../../src/transport/index.js';

interface MessageVectors {
  ck: string;
  sk: string;
  rk: string;
  message: string;
  rotations: { ck: string; k: string; newCk: string; newK: string }[];
  outputs: Record<string, string>;
}

const vectors: MessageVectors = JSON.parse(
  readFileSync(new URL('../fixtures/transport/messages.json', import.meta.url), 'utf8'),
);

/** Deterministic PRNG (mulberry32) so that failures reproduce. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

function splitRandomly(bytes: Uint8Array, random: (n: number) => number, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + random(maxChunk);
    chunks.push(bytes.slice(i, i + n));
    i += n;
  }
  return chunks;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('nonce encoding: 32 zero bits then a little-endian 64-bit counter', () => {
  assert.equal(bytesToHex(encodeNonce(0)), '000000000000000000000000');
  assert.equal(bytesToHex(encodeNonce(1)), '000000000100000000000000');
  assert.equal(bytesToHex(encodeNonce(0x0102_0304_0506)), '000000000605040302010000');
  assert.throws(() => encodeNonce(-1), RangeError);
});

test('BOLT 8 message vectors: "hello" 1002 times, outputs 0, 1, 500, 501, 1000, 1001 byte-exact', () => {
  const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  const message = hexToBytes(vectors.message);
  const checked: string[] = [];
  for (let i = 0; i <= 1001; i++) {
    // Before frame 500 and frame 1000 the key has just rotated (its nonce reached 1000).
    const rotation = i === 500 ? vectors.rotations[0] : i === 1000 ? vectors.rotations[1] : undefined;
    if (rotation !== undefined) {
      assert.equal(bytesToHex(sending.chainingKey), rotation.newCk);
      assert.equal(bytesToHex(sending.key), rotation.newK);
      assert.equal(sending.nonce, 0);
    }
    const frame = encryptMessage(sending, message);
    assert.equal(frame.length, 18 + 5 + 16);
    const expected = vectors.outputs[String(i)];
    if (expected !== undefined) {
      assert.equal(bytesToHex(frame), expected, `output ${i}`);
      checked.push(String(i));
    }
  }
  assert.deepEqual(checked, ['0', '1', '500', '501', '1000', '1001']);
});

test('BOLT 8 message vectors decrypt back to "hello" with the responder receiving state', () => {
  const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  const frames = Array.from({ length: 1002 }, () => encryptMessage(sending, hexToBytes(vectors.message)));
  // The responder's rk is the initiator's sk (Appendix A: responder rk,sk = initiator sk,rk).
  const decoder = new MessageDecoder(new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck)));
  const random = prng(8);
  const messages: Uint8Array[] = [];
  for (const chunk of splitRandomly(concat(frames), random, 100)) {
    const r = decoder.push(chunk);
    assert.equal(r.error, undefined);
    messages.push(...r.messages);
  }
  assert.equal(messages.length, 1002);
  assert.ok(messages.every((m) => bytesToHex(m) === vectors.message));
  assert.equal(decoder.bufferedBytes, 0);
});

test('encryptMessage refuses more than 65535 bytes and accepts exactly 65535', () => {
  const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  assert.throws(() => encryptMessage(sending, new Uint8Array(65536)), RangeError);
  assert.equal(sending.nonce, 0);
  assert.equal(encryptMessage(sending, new Uint8Array(65535)).length, MAX_FRAME_BYTES);
});

test('streaming decoder: 1200 random-size messages (two rotations) in random chunk sizes', () => {
  const random = prng(42);
  const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  const decoder = new MessageDecoder(new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck)));
  const sent = Array.from({ length: 1200 }, (_, i) => {
    const m = new Uint8Array(random(i % 100 === 0 ? 65536 : 600));
    for (let j = 0; j < m.length; j += 97) m[j] = random(256);
    return m;
  });
  const stream = concat(sent.map((m) => encryptMessage(sending, m)));
  const received: Uint8Array[] = [];
  for (const chunk of splitRandomly(stream, random, 3000)) {
    const r = decoder.push(chunk);
    assert.equal(r.error, undefined);
    received.push(...r.messages);
  }
  assert.equal(received.length, sent.length);
  for (let i = 0; i < sent.length; i++) assert.deepEqual(received[i], sent[i], `message ${i}`);
});

test('streaming decoder property: any messages, any chunking, same messages out', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 50 }),
      (sent, cuts) => {
        const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
        const decoder = new MessageDecoder(new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck)));
        const stream = concat(sent.map((m) => encryptMessage(sending, m)));
        const received: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          const r = decoder.push(stream.subarray(at, at + n));
          assert.equal(r.error, undefined);
          received.push(...r.messages);
          at += n;
        }
        assert.deepEqual(received, sent);
      },
    ),
    { numRuns: 100 },
  );
});

function framesFor(messages: Uint8Array[]): Uint8Array[] {
  const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  return messages.map((m) => encryptMessage(sending, m));
}

function freshDecoder(maxMessageLength?: number): MessageDecoder {
  const receiving = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  return new MessageDecoder(receiving, maxMessageLength === undefined ? {} : { maxMessageLength });
}

test('a tampered length prefix is a bad_length_tag; earlier messages still come out; decoder stays poisoned', () => {
  const [a, b, c] = framesFor([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([6])]) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  b[0] = b[0]! ^ 0x80;
  const decoder = freshDecoder();
  const r = decoder.push(concat([a, b, c]));
  assert.deepEqual(r.messages, [new Uint8Array([1, 2, 3])]);
  assert.equal(r.error?.failure, 'bad_length_tag');
  const again = decoder.push(c);
  assert.deepEqual(again.messages, []);
  assert.equal(again.error?.failure, 'bad_length_tag');
  assert.equal(decoder.error?.failure, 'bad_length_tag');
});

test('every single flipped bit of a frame is detected', () => {
  const [frame] = framesFor([new Uint8Array([9, 8, 7, 6])]) as [Uint8Array];
  for (let i = 0; i < frame.length * 8; i++) {
    const tampered = Uint8Array.from(frame);
    tampered[i >> 3] = tampered[i >> 3]! ^ (1 << (i & 7));
    const r = freshDecoder().push(tampered);
    assert.deepEqual(r.messages, []);
    assert.equal(r.error?.failure, i >> 3 < 18 ? 'bad_length_tag' : 'bad_message_tag', `bit ${i}`);
  }
});

test('a message longer than maxMessageLength drops the stream as message_too_large', () => {
  const [small, big] = framesFor([new Uint8Array(100), new Uint8Array(101)]) as [Uint8Array, Uint8Array];
  const decoder = freshDecoder(100);
  const r = decoder.push(concat([small, big]));
  assert.equal(r.messages.length, 1);
  assert.equal(r.error?.failure, 'message_too_large');
  assert.throws(() => freshDecoder(65536), RangeError);
});

test('CipherState.decrypt leaves the nonce alone on a bad MAC', () => {
  const sending = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  const receiving = new CipherState(hexToBytes(vectors.sk), hexToBytes(vectors.ck));
  const sealed = sending.encrypt(new Uint8Array([1]));
  const bad = Uint8Array.from(sealed);
  bad[0] = bad[0]! ^ 1;
  assert.equal(receiving.decrypt(bad), undefined);
  assert.equal(receiving.nonce, 0);
  assert.deepEqual(receiving.decrypt(sealed), new Uint8Array([1]));
  assert.equal(receiving.nonce, 1);
});

test('ByteQueue returns exactly what was pushed, across chunk boundaries', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 20 }),
      (chunks, takes) => {
        const q = new ByteQueue();
        for (const c of chunks) q.push(c);
        const all = concat(chunks);
        assert.equal(q.length, all.length);
        const out: Uint8Array[] = [];
        for (const n of takes) out.push(q.take(Math.min(n, q.length)));
        out.push(q.takeAll());
        assert.deepEqual(concat(out), all);
        assert.equal(q.length, 0);
        assert.throws(() => q.take(1), RangeError);
      },
    ),
    { numRuns: 200 },
  );
});
