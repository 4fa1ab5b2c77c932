// src/chain/devnet/cli.ts: `ksnode devnet`, the devnet as a process other nodes and tools share.
import { parseArgs } from 'node:util';
import { hashToHex } from '../ids.js';
import { Devnet } from './devnet.js';
import { type DevnetServer, startDevnetServer } from './server.js';

export const DEVNET_USAGE = `usage: ksnode devnet [--port N] [--host ADDR] [--data-file PATH] [--block-interval-ms N] [--coinbase-maturity N] [--fee-rate N]

Runs a regtest-like chain and serves the Esplora HTTP API on loopback (default port 3002).
  --port N                listen port (0: any free port)
  --host ADDR             listen address (default 127.0.0.1; the faucet is unauthenticated)
  --data-file PATH        keep blocks in this file and reload them on start (default: memory only)
  --block-interval-ms N   also mine a block every N ms (default: only on request)
  --coinbase-maturity N   confirmations before coinbase outputs are spendable (default 100)
  --fee-rate N            the fee estimate served for every target, sat/kw (default 1000)
Devnet endpoints: POST /devnet/mine {"blocks":1,"address":"bcrt1..."}, POST /devnet/faucet
{"address":"bcrt1...","amountSat":100000}, POST /devnet/reorg {"depth":1}, POST /devnet/fee
{"satPerKw":5000} (GET /devnet/fee reads it).`;

function intFlag(v: string | undefined, name: string, fallback: number | undefined): number | undefined {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Starts the devnet server from command-line flags, prints its URL, and closes it on SIGINT or
 * SIGTERM. Resolves once it is listening (undefined after printing `--help`); flag errors
 * reject with the usage text.
 */
export async function runDevnetCommand(
  argv: string[],
  out: (line: string) => void = (l) => console.log(l),
): Promise<DevnetServer | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-file': { type: 'string' },
        'block-interval-ms': { type: 'string' },
        'coinbase-maturity': { type: 'string' },
        'fee-rate': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${DEVNET_USAGE}`);
  }
  if (values.help) {
    out(DEVNET_USAGE);
    return undefined;
  }
  const str = (k: string) => values[k] as string | undefined;
  const port = intFlag(str('port'), 'port', 3002)!;
  const blockIntervalMs = intFlag(str('block-interval-ms'), 'block-interval-ms', undefined);
  const coinbaseMaturity = intFlag(str('coinbase-maturity'), 'coinbase-maturity', undefined);
  const feeRate = intFlag(str('fee-rate'), 'fee-rate', undefined);
  const dataFile = str('data-file');
  const devnet = new Devnet({
    ...(dataFile !== undefined ? { dataFile } : {}),
    ...(coinbaseMaturity !== undefined ? { coinbaseMaturity } : {}),
    ...(feeRate !== undefined ? { feeRateSatPerKw: BigInt(feeRate) } : {}),
  });
  const server = await startDevnetServer({
    devnet,
    host: str('host') ?? '127.0.0.1',
    port,
    ...(blockIntervalMs !== undefined ? { blockIntervalMs } : {}),
    log: out,
  });
  out(`devnet: height ${devnet.tipHeight} tip ${hashToHex(devnet.tipHash)}`);
  out(`devnet: Esplora API at ${server.url}${dataFile ? ` (blocks in ${dataFile})` : ' (in memory)'}`);
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void server.close().then(() => devnet.close());
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await server.close();
      devnet.close();
    },
  };
}
