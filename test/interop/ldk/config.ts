// test/interop/ldk/config.ts: the LDK node's command line, parsed into one typed value.
// Defaults follow ../shared/notes/ldk-0.1-interop.md (the choices of the earlier harness).

export interface HarnessConfig {
  /** 32-byte KeysManager seed; the node id and the harness's funding key derive from it. */
  seed: Uint8Array;
  host: string;
  /** 0: the OS picks (the chosen port is in the ready line). */
  port: number;
  /** Esplora base URL of the devnet chain; without it LDK stays at the regtest genesis block. */
  esploraUrl: string | undefined;
  /** Negotiate option_anchors_zero_fee_htlc_tx (and advertise bit 23). */
  anchors: boolean;
  /** minimum_depth we ask of channels opened to us. */
  minDepth: number;
  /** Accept inbound channels whose announce bit differs from ours (stock LDK refuses them). */
  acceptInboundPublic: boolean;
  /** Forward into private channels (stock LDK refuses). */
  acceptForwardsToPrivChannels: boolean;
  /** Accept inbound channels as 0-conf (trusting the funder). */
  zeroConf: boolean;
  /** Even custom TLV types we claim anyway (claim_funds_with_known_custom_tlvs). */
  knownEvenTlvs: bigint[];
  /** Claim incoming payments (off: leave them claimable, for hold scenarios). */
  claimPayments: boolean;
  /** Constant fee estimate, sat per 1000 weight, for every target. */
  feerateSatPerKw: number;
  /** PeerManager tick (pings, handshake timeouts). LDK's own default is 10 s. */
  pmTickMs: number;
  /** ChannelManager tick (fee updates, disabled channel_updates). LDK's default is 60 s. */
  cmTickMs: number;
  /** How often process_events runs even when nothing happened. */
  processMs: number;
  /** How often the chain is polled. */
  pollMs: number;
  /** Per-channel dust exposure cap; undefined keeps LDK's fee-rate multiplier default. */
  maxDustExposureMsat: bigint | undefined;
  /** Make send_data take only part of the bytes now and then, to exercise the resume path. */
  simulateBackpressure: boolean;
  /** Apply network updates from failed payment paths to the graph (as BackgroundProcessor does). */
  networkUpdates: boolean;
  /** Least severe LDK log level written to stderr: gossip, trace, debug, info, warn, error. */
  logLevel: LogLevelName;
}

export const LOG_LEVELS = ['gossip', 'trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const USAGE = `usage: node --import tsx test/interop/ldk/node.ts --seed <64 hex> [options]
  --host <addr>                 listen address (default 127.0.0.1)
  --port <n>                    listen port (default 0: the OS picks)
  --esplora <url>               devnet Esplora base URL (chain view, broadcasts, faucet)
  --anchors                     negotiate zero-fee-HTLC anchors
  --min-depth <n>               minimum_depth for inbound channels (default 6)
  --no-accept-inbound-public    refuse inbound public channels (stock LDK behaviour)
  --no-forwards-to-priv         refuse to forward into private channels (stock LDK behaviour)
  --zero-conf                   accept inbound channels as 0-conf
  --known-even-tlvs <t,t,...>   even custom TLVs to claim anyway (default 34349334; '' for none)
  --no-claim                    leave incoming payments unclaimed
  --feerate <sat/kw>            fee estimate for every target (default 253)
  --pm-tick-ms <ms>             PeerManager timer tick (default 10000)
  --cm-tick-ms <ms>             ChannelManager timer tick (default 60000)
  --process-ms <ms>             process_events interval (default 1000)
  --poll-ms <ms>                chain poll interval (default 1000)
  --max-dust-exposure-msat <n>  fixed per-channel dust exposure cap
  --simulate-backpressure       accept only part of some writes
  --no-network-updates          do not apply network updates from failed paths
  --log-level <level>           gossip|trace|debug|info|warn|error (default debug)`;

export class ConfigError extends Error {}

function intArg(name: string, v: string | undefined, min: number, max: number): number {
  const n = v === undefined || !/^\d+$/.test(v) ? Number.NaN : Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} expects an integer in ${min}..${max}, got ${v ?? 'nothing'}`);
  return n;
}

function hexArg(name: string, v: string | undefined, bytes: number): Uint8Array {
  if (v === undefined || !new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v))
    throw new ConfigError(`${name} expects ${bytes} bytes of hex, got ${v ?? 'nothing'}`);
  return Uint8Array.from(v.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

/** Parses argv (without node and the script). Throws ConfigError with a readable message. */
export function parseConfig(argv: readonly string[]): HarnessConfig {
  const c: Omit<HarnessConfig, 'seed'> & { seed: Uint8Array | undefined } = {
    seed: undefined,
    host: '127.0.0.1',
    port: 0,
    esploraUrl: undefined,
    anchors: false,
    minDepth: 6,
    acceptInboundPublic: true,
    acceptForwardsToPrivChannels: true,
    zeroConf: false,
    knownEvenTlvs: [34349334n],
    claimPayments: true,
    feerateSatPerKw: 253,
    pmTickMs: 10_000,
    cmTickMs: 60_000,
    processMs: 1000,
    pollMs: 1000,
    maxDustExposureMsat: undefined,
    simulateBackpressure: false,
    networkUpdates: true,
    logLevel: 'debug',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--seed':
        c.seed = hexArg(flag, value(), 32);
        break;
      case '--host':
        c.host = value() ?? '';
        break;
      case '--port':
        c.port = intArg(flag, value(), 0, 65535);
        break;
      case '--esplora':
        c.esploraUrl = (value() ?? '').replace(/\/+$/, '');
        if (!/^https?:\/\//.test(c.esploraUrl)) throw new ConfigError('--esplora expects an http(s) URL');
        break;
      case '--anchors':
        c.anchors = true;
        break;
      case '--min-depth':
        c.minDepth = intArg(flag, value(), 0, 144);
        break;
      case '--no-accept-inbound-public':
        c.acceptInboundPublic = false;
        break;
      case '--no-forwards-to-priv':
        c.acceptForwardsToPrivChannels = false;
        break;
      case '--zero-conf':
        c.zeroConf = true;
        break;
      case '--known-even-tlvs': {
        const list = (value() ?? '').split(',').filter((s) => s !== '');
        if (!list.every((s) => /^\d+$/.test(s) && BigInt(s) % 2n === 0n))
          throw new ConfigError('--known-even-tlvs expects even decimal TLV types, comma separated');
        c.knownEvenTlvs = list.map((s) => BigInt(s));
        break;
      }
      case '--no-claim':
        c.claimPayments = false;
        break;
      case '--feerate':
        c.feerateSatPerKw = intArg(flag, value(), 253, 1_000_000);
        break;
      case '--pm-tick-ms':
        c.pmTickMs = intArg(flag, value(), 50, 600_000);
        break;
      case '--cm-tick-ms':
        c.cmTickMs = intArg(flag, value(), 50, 600_000);
        break;
      case '--process-ms':
        c.processMs = intArg(flag, value(), 10, 60_000);
        break;
      case '--poll-ms':
        c.pollMs = intArg(flag, value(), 10, 60_000);
        break;
      case '--max-dust-exposure-msat': {
        const v = value();
        if (v === undefined || !/^\d+$/.test(v)) throw new ConfigError(`${flag} expects a decimal amount`);
        c.maxDustExposureMsat = BigInt(v);
        break;
      }
      case '--simulate-backpressure':
        c.simulateBackpressure = true;
        break;
      case '--no-network-updates':
        c.networkUpdates = false;
        break;
      case '--log-level': {
        const v = value();
        if (!LOG_LEVELS.includes(v as LogLevelName))
          throw new ConfigError(`--log-level expects one of ${LOG_LEVELS.join(', ')}`);
        c.logLevel = v as LogLevelName;
        break;
      }
      default:
        throw new ConfigError(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  if (c.seed === undefined) throw new ConfigError(`--seed is required\n${USAGE}`);
  return { ...c, seed: c.seed };
}
