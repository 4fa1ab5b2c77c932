// bench/keysend-node.ts: `ksnode start` for bench/keysend: the same node (Node.start with the same
// flags), but its HTTP API started here with the per-token rate limit raised. The daemon's default
// (20 requests/s sustained) protects a real node from a leaked token and would otherwise be the
// thing measured. Prints the same `ready` JSON line as `ksnode start` and stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startApiServer } from '../src/api/index.js';
import { bytesToHex } from '../src/crypto/index.js';
import { FLAT_SETTINGS, loadConfig, Node } from '../src/node/index.js';

const UNLIMITED = { burst: 1_000_000, perSecond: 1_000_000 };

const options: Record<string, { type: 'string' }> = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
};
for (const name of Object.keys(FLAT_SETTINGS)) options[name] = { type: 'string' };
const { values } = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false });
const config = loadConfig({ flags: { ...values, api: 'none' }, env: {} });
const apiAt = /^(.*):(\d+)$/.exec(String(values.api ?? '127.0.0.1:0'));
if (apiAt === null) throw new Error(`--api: expected host:port, got ${values.api}`);

const node = await Node.start(config);
const api = await startApiServer({
  facade: node.facade,
  dataDir: config.dataDir,
  host: apiAt[1]!,
  port: Number(apiAt[2]),
  webDir: false,
  rateLimit: UNLIMITED,
});
const listen =
  node.listenAddress === undefined ? null : `${node.listenAddress.host}:${node.listenAddress.port}`;
process.stdout.write(
  `${JSON.stringify({ msg: 'ready', nodeId: bytesToHex(node.nodeId), listen, api: api.url })}\n`,
);

await new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});
await api.close();
await node.stop();
