// src/cli/client-command.ts: what every command that talks to the daemon shares: the client
// options, output as tables or JSON, and exit codes that mean something.
import type { Command } from 'commander';
import { ApiCallError, apiCall, type ClientConfig, UnreachableError } from './api-client.js';
import {
  ClientConfigError,
  type ClientFlags,
  DEFAULT_API_URL,
  resolveClientConfig,
} from './client-config.js';

/** 0 ok, 1 the operation failed (e.g. a payment failed), 2 bad usage or input, 3 daemon unreachable or auth. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** Where a command's output goes: stdout for results, stderr for progress and errors. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Bad arguments found by the command itself (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ClientContext {
  config: ClientConfig;
  json: boolean;
  io: CliIo;
  /** GET/POST/DELETE on the API. */
  call<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Prints a result: `human()` as text, or `value` as JSON with --json. */
  print(value: unknown, human: () => string): void;
  /** A progress line on stderr (kept off stdout so that --json output stays parseable). */
  progress(line: string): void;
}

/** Adds the options every daemon command understands; they may also come before the command. */
export function addClientOptions(program: Command): Command {
  return program
    .option('--api <url>', `the daemon's API (default $KSNODE_API or ${DEFAULT_API_URL})`)
    .option('--token <token>', 'API token (default: admin.token, else readonly.token, in the data directory)')
    .option('--token-file <path>', 'read the API token from this file')
    .option(
      '--data-dir <dir>',
      "the node's data directory, to find its token (default $KSNODE_DATA_DIR or ~/.ksnode)",
    )
    .option(
      '--tls-cert <path>',
      "trust this PEM certificate for an https:// API (the daemon's own, self-signed)",
    )
    .option('--json', 'print results as JSON (for scripts)');
}

function describeFailure(e: unknown): { code: number; message: string } {
  if (e instanceof UsageError) return { code: EXIT.usage, message: e.message };
  if (e instanceof ClientConfigError || e instanceof UnreachableError)
    return { code: EXIT.unreachable, message: e.message };
  if (e instanceof ApiCallError) {
    if (e.status === 401 || e.status === 403) {
      const hint = e.status === 403 ? '' : ' (check --token / --data-dir)';
      return { code: EXIT.unreachable, message: `${e.message}${hint}` };
    }
    return { code: e.status === 400 ? EXIT.usage : EXIT.failed, message: `${e.message} [${e.code}]` };
  }
  return { code: EXIT.failed, message: e instanceof Error ? e.message : String(e) };
}

/**
 * Wraps a command's action: resolves the client config from the options, runs `fn` with a context,
 * and turns what it returns (an exit code) or throws into the exit code.
 */
export function clientAction(
  io: CliIo,
  setCode: (code: number) => void,
  fn: (ctx: ClientContext, args: string[], opts: Record<string, unknown>) => Promise<number | undefined>,
) {
  return async (...all: unknown[]): Promise<void> => {
    const command = all[all.length - 1] as Command;
    const opts = command.optsWithGlobals() as Record<string, unknown> & ClientFlags & { json?: boolean };
    const args = all
      .slice(0, -2)
      .flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [a])) as string[];
    try {
      const config = resolveClientConfig(opts);
      const json = opts.json === true;
      const ctx: ClientContext = {
        config,
        json,
        io,
        call: <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
          apiCall(config, method, path, body) as Promise<T>,
        print: (value, human) => io.out(`${json ? JSON.stringify(value, null, 2) : human()}\n`),
        progress: (line) => io.err(`${line}\n`),
      };
      setCode((await fn(ctx, args, opts)) ?? EXIT.ok);
    } catch (e) {
      const { code, message } = describeFailure(e);
      io.err(`ksnode ${command.name()}: ${message}\n`);
      setCode(code);
    }
  };
}
