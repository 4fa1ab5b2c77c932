// src/cli/demo-node.ts: one ksnode daemon as a child process (`bin/ksnode.mjs start`) for the demo
// and the benchmarks: its own data directory, loopback ports picked by the OS, its log in a file,
// and the HTTP API (admin token from the data directory) as the only way to talk to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { apiCall, type ClientConfig } from './api-client.js';
import { DemoWaitError } from './demo-wait.js';

const BIN = new URL('../../bin/ksnode.mjs', import.meta.url).pathname;
const TAIL_LINES = 200;

export interface DemoNodeOptions {
  name: string;
  /** The node's data directory (created if missing). */
  dataDir: string;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** The devnet's Esplora URL. */
  chainUrl: string;
  /** More `--setting value` flags for `ksnode start`; these win over the defaults. */
  flags?: Readonly<Record<string, string>>;
  readyTimeoutMs: number;
  /**
   * What to run instead of `bin/ksnode.mjs start` (node arguments before the flags): a benchmark's
   * own launcher. It must print the same `ready` JSON line and stop on SIGTERM.
   */
  entry?: readonly string[];
}

/** How a stop ended: a clean exit after SIGTERM, a SIGKILL after the grace period, or already gone. */
export type StopOutcome = 'stopped' | 'killed' | 'not_running';

interface ReadyLine {
  nodeId: string;
  listen: string;
  api: string;
}

function parseReady(line: string): ReadyLine | undefined {
  if (!line.includes('"ready"')) return undefined;
  try {
    const j = JSON.parse(line) as { msg?: unknown; nodeId?: unknown; listen?: unknown; api?: unknown };
    if (
      j.msg === 'ready' &&
      typeof j.nodeId === 'string' &&
      typeof j.listen === 'string' &&
      typeof j.api === 'string'
    )
      return { nodeId: j.nodeId, listen: j.listen, api: j.api };
  } catch {
    // not one of the node's JSON log lines
  }
  return undefined;
}

/** A running ksnode daemon. */
export class DemoNode {
  private constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
    readonly nodeId: string,
    /** `127.0.0.1:port` where peers connect. */
    readonly listenAddress: string,
    readonly apiUrl: string,
    readonly adminToken: string,
    /** Resolves with the exit code (128 for a signal) when the process ends, for whatever reason. */
    readonly exited: Promise<number | null>,
    private readonly tailLines: string[],
  ) {}

  /** Spawns the daemon and resolves once it logged `ready`; rejects (and kills it) otherwise. */
  static async start(o: DemoNodeOptions): Promise<DemoNode> {
    mkdirSync(o.dataDir, { recursive: true });
    const flags: Record<string, string> = {
      'data-dir': o.dataDir,
      'chain-url': o.chainUrl,
      listen: '127.0.0.1:0',
      api: '127.0.0.1:0',
      alias: o.name,
      ...o.flags,
    };
    const args = [
      ...(o.entry ?? [BIN, 'start']),
      ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]),
    ];
    // The user's KSNODE_* settings are for their own node, not for these.
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KSNODE_')) env[k] = v;
    // Its own process group: a Ctrl-C in the terminal reaches the demo only, which then stops
    // every child once, in order (a second signal would cut a node's clean stop short).
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = createWriteStream(o.logFile, { flags: 'a' });
    const tail: string[] = [];
    const remember = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128))),
    );
    const lines = createInterface({ input: child.stdout! });
    createInterface({ input: child.stderr! }).on('line', (l) => remember(`[stderr] ${l}`));
    const tailText = () => tail.slice(-30).join('\n');
    let ready: ReadyLine;
    try {
      ready = await new Promise<ReadyLine>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new DemoWaitError(
                `timed out after ${(o.readyTimeoutMs / 1000).toFixed(0)} s: ${o.name} did not report ready (log: ${o.logFile})\n${tailText()}`,
                false,
              ),
            ),
          o.readyTimeoutMs,
        );
        void exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `${o.name} exited with code ${code} before it was ready (log: ${o.logFile})\n${tailText()}`,
            ),
          );
        });
        lines.on('line', (line) => {
          remember(line);
          const r = parseReady(line);
          if (r !== undefined) {
            clearTimeout(timer);
            resolve(r);
          }
        });
      });
    } catch (e) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      log.end();
      throw e;
    }
    const token = readFileSync(join(o.dataDir, 'admin.token'), 'utf8').trim();
    return new DemoNode(
      o.name,
      o.dataDir,
      o.logFile,
      child,
      log,
      ready.nodeId,
      ready.listen,
      ready.api,
      token,
      exited,
      tail,
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get client(): ClientConfig {
    return { apiUrl: this.apiUrl, token: this.adminToken };
  }

  /** Calls the node's API; rejects with the client's ApiCallError / UnreachableError. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await apiCall(this.client, method, path, body)) as T;
  }

  /** The node's last log lines, for a failure message. */
  tail(n = 30): string {
    return this.tailLines.slice(-n).join('\n');
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs: number): Promise<StopOutcome> {
    if (!this.running) {
      this.log.end();
      return 'not_running';
    }
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), graceMs);
    });
    const r = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    let outcome: StopOutcome = 'stopped';
    if (r === 'late') {
      this.child.kill('SIGKILL');
      await this.exited;
      outcome = 'killed';
    }
    this.log.end();
    return outcome;
  }

  /** SIGKILL at once (a second Ctrl-C). */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    this.log.end();
  }
}
