// test/node/cli.test.ts: `ksnode start` as a command: its help, and how it refuses bad usage and bad
// configuration (exit code 2, a message naming the setting) before anything starts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FLAT_SETTINGS } from '../../src/node/index.js';

const BIN = new URL('../../bin/ksnode.mjs', import.meta.url).pathname;

function run(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; out: string; err: string } {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KSNODE_')) clean[k] = v;
  const r = spawnSync(process.execPath, [BIN, 'start', ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('ksnode start --help lists every setting with its variable', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0, r.err);
  for (const name of Object.keys(FLAT_SETTINGS)) {
    assert.ok(r.out.includes(`--${name}`), `--${name} missing from the help`);
    assert.ok(r.out.includes(`KSNODE_${name.toUpperCase().replace(/-/g, '_')}`));
  }
  assert.match(r.out, /--data-dir DIR/);
});

test('bad flags, values and files are refused with exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-cli-'));
  try {
    const unknown = run(['--data-dir', dir, '--no-such-flag', '1']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.err, /no-such-flag/);
    const badValue = run(['--data-dir', dir, '--fee-ppm', 'lots']);
    assert.equal(badValue.status, 2);
    assert.match(badValue.err, /--fee-ppm: expected a non-negative integer, got "lots"/);
    const badEnv = run(['--data-dir', dir], { KSNODE_LISTEN: 'nowhere' });
    assert.equal(badEnv.status, 2);
    assert.match(badEnv.err, /listen: expected host:port/);
    writeFileSync(join(dir, 'ksnode.json'), JSON.stringify({ network: 'dogecoin' }));
    const badFile = run(['--data-dir', dir]);
    assert.equal(badFile.status, 2);
    assert.match(badFile.err, /config file .*ksnode\.json:\n {2}network:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node that cannot reach its chain backend says so and exits 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-cli-'));
  try {
    const r = run([
      '--data-dir',
      dir,
      '--chain-url',
      'http://127.0.0.1:9',
      '--listen',
      '127.0.0.1:0',
      '--api',
      'none',
      '--log-level',
      'silent',
    ]);
    assert.equal(r.status, 1, r.err);
    assert.match(r.err, /the node did not start: .*127\.0\.0\.1:9/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
