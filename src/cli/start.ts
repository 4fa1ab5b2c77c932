// src/cli/start.ts: `ksnode start`: one process running the node on a data directory until SIGINT or
// SIGTERM, configured by file, KSNODE_* variables and flags (see `ksnode start --help`).
import { parseArgs } from 'node:util';
import { bytesToHex } from '../crypto/index.js';
import { ConfigError, envName, FLAT_SETTINGS, loadConfig, Node } from '../node/index.js';

function usage(): string {
  const lines = [
    'usage: ksnode start [--data-dir DIR] [--config FILE] [--SETTING VALUE ...]',
    '',
    'Runs the node until SIGINT or SIGTERM. Settings come from <data dir>/ksnode.json (or --config),',
    'then KSNODE_* environment variables, then these flags (later wins):',
    `  --data-dir DIR          where the seed, database and API tokens live (default ~/.ksnode; ${envName('data-dir')})`,
    `  --config FILE           a JSON config file (${envName('config')})`,
  ];
  for (const [name, s] of Object.entries(FLAT_SETTINGS)) {
    lines.push(`  --${name.padEnd(21)} ${s.help} (${envName(name)})`);
  }
  lines.push(
    '  --help                  this text',
    '',
    'The seed file is created on first start (its words are printed once, on stderr). An encrypted',
    'seed is opened with KSNODE_SEED_PASSPHRASE. Logs are JSON lines (pino) on stdout.',
  );
  return lines.join('\n');
}

/**
 * Parses the flags, starts the node and resolves with the exit code once it has stopped (after a
 * signal). Bad usage or configuration resolves with 2 before anything starts.
 */
export async function runStartCommand(argv: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    'data-dir': { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean' },
  };
  for (const name of Object.keys(FLAT_SETTINGS)) options[name] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (e) {
    process.stderr.write(`ksnode start: ${(e as Error).message}\n\n${usage()}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ flags: values, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ksnode start: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let node: Node;
  try {
    node = await Node.start(config);
  } catch (e) {
    process.stderr.write(`ksnode start: the node did not start: ${(e as Error).message}\n`);
    return 1;
  }
  if (node.newMnemonic !== undefined) {
    process.stderr.write(
      `ksnode: created a new wallet seed in ${config.dataDir}. Write these 24 words down; they restore every key:\n${node.newMnemonic}\n`,
    );
  }
  node.log.info(
    {
      module: 'cli',
      nodeId: bytesToHex(node.nodeId),
      listen:
        node.listenAddress === undefined ? null : `${node.listenAddress.host}:${node.listenAddress.port}`,
      api: node.api?.url ?? null,
      dataDir: config.dataDir,
    },
    'ready',
  );
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      node.log.info({ module: 'cli', signal }, 'shutting down');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await node.stop();
  return 0;
}
