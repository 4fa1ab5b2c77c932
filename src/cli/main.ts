// The `ksnode` command line. Each subcommand lives in its own file; this one only wires them up.
import { Command, CommanderError } from 'commander';
import { DEVNET_USAGE, runDevnetCommand } from '../chain/devnet/cli.js';
import { type CliIo, EXIT, processIo } from './client-command.js';
import { registerClientCommands } from './client-commands.js';
import { decodeArtifact } from './decode.js';
import { runDemo } from './demo.js';
import { DEFAULT_DEMO_NODES, MAX_DEMO_NODES, MIN_DEMO_NODES } from './demo-plan.js';
import { runProtocolDemo } from './protocol-demo.js';
import { runStartCommand } from './start.js';

/**
 * Exit codes: 0 success, 1 the operation failed, 2 bad usage or bad input, 3 the daemon is
 * unreachable or refused the token.
 */
export { EXIT };

/** Runs the command line; `io` receives the daemon commands' output (tests capture it). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command()
    .name('ksnode')
    .description('ksnode: a Lightning Network node built around keysend (bLIP-3) payments')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  program
    .command('decode')
    .description('decode a BOLT 11 invoice or a hex-encoded BOLT 1/2/7 wire message and print it as JSON')
    .argument('<input>', 'an invoice (ln...) or a wire message in hex (2-byte type first)')
    .action((input: string) => {
      const r = decodeArtifact(input);
      if (r.ok) {
        process.stdout.write(`${JSON.stringify({ type: r.what, value: r.value }, null, 2)}\n`);
      } else {
        process.stderr.write(`ksnode decode: ${r.error}\n`);
        code = EXIT.usage;
      }
    });

  program
    .command('protocol-demo')
    .description(
      'show the protocol core working: a BOLT 8 session with init and ping/pong on loopback, a 3-hop keysend onion with a signed chat message and a podcast boost peeled hop by hop, an attributed failure, and a BOLT 11 invoice round trip',
    )
    .action(async () => {
      code = (await runProtocolDemo()) ? EXIT.ok : EXIT.failed;
    });

  program
    .command('demo')
    .description(
      "run a local network: a devnet and ksnode processes alice → bob → carol plus side paths, keysend payments with a signed message and a podcast boost, carol's invoices, the dashboards; until Ctrl-C",
    )
    .option(
      '--once',
      'send the payments, print the summary and exit: 0 only if every payment arrived with its records',
    )
    .option(
      '--nodes <n>',
      `how many nodes, ${MIN_DEMO_NODES} to ${MAX_DEMO_NODES}`,
      String(DEFAULT_DEMO_NODES),
    )
    .option('--keep', 'keep the data directories and logs after a successful run')
    .action(async (opts: { once?: boolean; nodes: string; keep?: boolean }) => {
      const nodes = Number(opts.nodes);
      if (!/^\d+$/.test(opts.nodes) || nodes < MIN_DEMO_NODES || nodes > MAX_DEMO_NODES) {
        io.err(
          `ksnode demo: --nodes: expected ${MIN_DEMO_NODES} to ${MAX_DEMO_NODES}, got "${opts.nodes}"\n`,
        );
        code = EXIT.usage;
        return;
      }
      code = await runDemo({ once: opts.once === true, nodes, keep: opts.keep === true }, io);
    });

  program
    .command('devnet')
    .description('run the devnet chain and serve its Esplora HTTP API on loopback (until Ctrl-C)')
    .helpOption(false)
    .allowUnknownOption(true)
    .argument('[flags...]', 'see `ksnode devnet --help`')
    .addHelpText('after', `\n${DEVNET_USAGE}`)
    .action(async (flags: string[]) => {
      try {
        await runDevnetCommand(flags);
      } catch (e) {
        process.stderr.write(`ksnode devnet: ${(e as Error).message}\n`);
        code = EXIT.usage;
      }
    });

  registerClientCommands(program, io, (c) => {
    code = c;
  });

  program
    .command('start')
    .description('run the node on a data directory until Ctrl-C (SIGINT) or SIGTERM')
    .helpOption(false)
    .allowUnknownOption(true)
    .argument('[flags...]', 'see `ksnode start --help`')
    .action(async (flags: string[]) => {
      // --data-dir and --api are also the client commands' global options, which commander takes
      // out of the arguments wherever they appear: hand them back to `start`.
      const globals = program.opts() as { dataDir?: string; api?: string };
      const given = [
        ...(globals.dataDir !== undefined ? ['--data-dir', globals.dataDir] : []),
        ...(globals.api !== undefined ? ['--api', globals.api] : []),
      ];
      code = await runStartCommand([...given, ...flags]);
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return code;
}
