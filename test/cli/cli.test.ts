import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeArtifact } from '../../src/cli/decode.js';
import { runProtocolDemo } from '../../src/cli/protocol-demo.js';

const bin = fileURLToPath(new URL('../../bin/ksnode.mjs', import.meta.url));

test('decode: a wire message with unknown odd extension records', () => {
  const r = decodeArtifact('001000000000c9012acb0104');
  assert.ok(r.ok);
  assert.equal(r.what, 'wire message init');
  assert.deepEqual(r.value, {
    kind: 'init',
    globalfeatures: '',
    features: '',
    tlvs: {
      unknown: [
        { type: '201', value: '2a' },
        { type: '203', value: '04' },
      ],
    },
  });
});

test('decode: bad inputs give clear errors', () => {
  const cases: [string, RegExp][] = [
    ['0012', /invalid wire message: .*numPongBytes/],
    ['abc', /expected a BOLT 11 invoice/],
    ['fffe', /unknown message type 65534 \(even/],
    ['lnbc1invalid', /invalid BOLT 11 invoice/],
  ];
  for (const [input, re] of cases) {
    const r = decodeArtifact(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.match(r.error, re, input);
  }
});

test('the ksnode binary: decode prints JSON and exits 0; bad input exits 2 with a message', () => {
  const ok = spawnSync(process.execPath, [bin, 'decode', '00120004000100'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).value.numPongBytes, 4);
  const bad = spawnSync(process.execPath, [bin, 'decode', 'zz'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /ksnode decode: expected/);
});

test('protocol demo: every step passes over real loopback TCP', async () => {
  const lines: string[] = [];
  assert.equal(await runProtocolDemo((l) => lines.push(l)), true, lines.join('\n'));
  const text = lines.join('\n');
  assert.match(text, /sha256\(preimage\) == payment_hash/);
  assert.match(text, /from a verified sender/);
  assert.match(text, /attributed by alice to hop 1/);
  assert.match(text, /all checks passed/);
});
