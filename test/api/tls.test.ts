// The API over HTTPS with a self-signed certificate, and the CLI trusting it with --tls-cert.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startApiServer } from '../../src/api/index.js';
import { main } from '../../src/cli/main.js';
import { FakeNetwork } from './fake-network.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('tls: the API serves HTTPS; the CLI connects with --tls-cert and refuses an unknown certificate', {
  skip: hasOpenssl() ? false : 'openssl is not installed (needed to make a test certificate)',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksnode-tls-'));
  const cert = join(dir, 'tls.cert');
  const key = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=ksnode test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const node = new FakeNetwork().addNode('tess');
  const server = await startApiServer({
    facade: node,
    dataDir: dir,
    port: 0,
    webDir: false,
    tls: { cert: readFileSync(cert), key: readFileSync(key) },
  });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const run = async (...extra: string[]) => {
      let out = '';
      let err = '';
      const code = await main(
        [
          'node',
          'ksnode',
          'getinfo',
          '--json',
          '--api',
          server.url,
          '--token',
          server.tokens.readonly,
          ...extra,
        ],
        {
          out: (t) => {
            out += t;
          },
          err: (t) => {
            err += t;
          },
        },
      );
      return { code, out, err };
    };
    const ok = await run('--tls-cert', cert);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(JSON.parse(ok.out).alias, 'tess');
    const untrusted = await run();
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.err, /cannot reach the daemon.*(self-signed|certificate)/i);
    await assert.rejects(fetch(`${server.url.replace('https', 'http')}/v1/info`));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
