// src/node/config.ts: the node's configuration from three layers, later ones winning: a JSON file
// (`<data dir>/ksnode.json`, or `--config`), environment variables (`KSNODE_*`), then command-line
// flags. Every value is checked by one zod schema; a bad value is reported with where it came from
// and what would be accepted. Defaults suit a devnet (regtest chain, Esplora at 127.0.0.1:3002).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Network } from '../chain/index.js';
import { DEFAULT_SQLITE_FILE } from '../store/index.js';

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Commitment formats a channel we open may use (src/channel's ChannelFormat). */
export const CHANNEL_TYPES = ['static_remotekey', 'anchors'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** BOLT 2 `max_dust_htlc_exposure_msat` as configured (src/channel's DustExposureLimit). */
export type DustExposureSetting =
  | { kind: 'fixed'; msat: bigint }
  | { kind: 'feerateMultiplier'; multiplier: number };

/** An address to listen on or dial. */
export interface HostPort {
  host: string;
  port: number;
}

/** Where the chain comes from: Esplora (a devnet serves the same API) or bitcoind's RPC. */
export type ChainBackendConfig =
  | { kind: 'esplora'; url: string }
  | { kind: 'bitcoind'; url: string; user?: string; password?: string };

/** Where the node's data lives. */
export type StoreSetting =
  | { kind: 'sqlite'; dir: string; fileName: string }
  /** `schema`: a schema of the node's own (several nodes may share a database). */
  | { kind: 'postgres'; url: string; schema?: string };

/** The node's configuration, complete and checked. */
export interface NodeConfig {
  dataDir: string;
  network: Network;
  chain: ChainBackendConfig & { pollIntervalMs: number };
  store: StoreSetting;
  /** Where peers connect (BOLT 8); null: do not listen. */
  listen: HostPort | null;
  /** Addresses put in our node_announcement (reachable from elsewhere). */
  announceAddresses: HostPort[];
  /** The HTTP API; null: no API. */
  api: HostPort | null;
  /** Requests per API token: a burst, then so many a second. */
  apiRateLimit: { burst: number; perSecond: number };
  /** Incoming keysend payments per peer (the channel peer that delivered them): a burst, then so many a second. */
  keysendRateLimit: { burst: number; perSecond: number };
  /** Empty: the node picks `ksnode-<node id prefix>`. */
  alias: string;
  /** `#rrggbb`. */
  color: string;
  fees: { baseMsat: bigint; proportionalMillionths: number; cltvExpiryDelta: number };
  acceptKeysend: boolean;
  limits: {
    maxInboundPeers: number;
    minChannelSat: bigint;
    maxChannelSat: bigint;
    maxAcceptedHtlcs: number;
  };
  /**
   * `channelType`: the commitment format of channels we open when a request names none.
   * `maxDustExposure`: BOLT 2's `max_dust_htlc_exposure_msat`, fixed or `multiplier` msat per
   * sat/kw of the urgent fee estimate (LDK's FeeRateMultiplier; default 10,000).
   * `maxHtlcValueInFlightPercent`: the `max_htlc_value_in_flight_msat` we send in open_channel and
   * accept_channel, as a percentage (1..100) of the channel's capacity: what the peer may have in
   * flight towards us at once. Default 100 (the whole channel, as Core Lightning's default of
   * "unlimited" amounts to); LDK's default is 10.
   */
  channels: {
    minimumDepth: number;
    announce: boolean;
    toSelfDelay: number;
    channelType: ChannelType;
    maxDustExposure: DustExposureSetting;
    maxHtlcValueInFlightPercent: number;
  };
  gossip: { flushIntervalMs: number };
  logLevel: LogLevel;
  /** Opens the seed file when it is encrypted (environment only: flags show up in `ps`). */
  seedPassphrase?: string;
}

/** A configuration problem the user must fix; the message says which setting and why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `ksnode devnet`'s default address. */
export const DEFAULT_DEVNET_ESPLORA_URL = 'http://127.0.0.1:3002';
/** The config file read from the data directory when no --config is given. */
export const CONFIG_FILE_NAME = 'ksnode.json';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/;

function parseHostPort(s: string): HostPort | undefined {
  const m = HOST_PORT.exec(s);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

/** A token bucket setting: `burst` at once, then `perSecond`. */
const rateLimit = (burst: number, perSecond: number) =>
  z
    .object({
      burst: z.int().min(1).max(1_000_000).default(burst),
      perSecond: z.number().positive().max(1_000_000).default(perSecond),
    })
    .strict()
    .prefault({});

const hostPort = z
  .string()
  .refine((s) => parseHostPort(s) !== undefined, { message: 'expected host:port, e.g. 127.0.0.1:9735' });
const amount = z
  .union([z.bigint(), z.int().min(0), z.string().regex(/^\d+$/, 'expected a whole number')])
  .transform((v) => BigInt(v))
  .refine((v) => v >= 0n, { message: 'expected a non-negative amount' });
const utf8 = new TextEncoder();

/** The file's shape (every field optional); the merged layers are parsed with it too. */
const SCHEMA = z
  .object({
    dataDir: z.string().min(1).optional(),
    network: z.enum(['regtest', 'testnet', 'signet', 'bitcoin']).default('regtest'),
    chain: z
      .object({
        backend: z.enum(['esplora', 'bitcoind']).default('esplora'),
        url: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).optional(),
        user: z.string().optional(),
        password: z.string().optional(),
        pollIntervalMs: z.int().min(50).max(600_000).default(5_000),
      })
      .strict()
      .prefault({}),
    /** A SQLite file path, or a postgres:// URL. */
    store: z.string().min(1).optional(),
    /** PostgreSQL only: the schema the node's tables live in. */
    storeSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier (a-z, 0-9, _)')
      .optional(),
    listen: z.union([hostPort, z.literal(false)]).default('0.0.0.0:9735'),
    announceAddresses: z.array(hostPort).default([]),
    api: z.union([hostPort, z.literal(false)]).default('127.0.0.1:8080'),
    apiRateLimit: rateLimit(1000, 200),
    // Every keysend forwarded to us by one neighbour shares that neighbour's bucket, so the limit
    // must leave room for real traffic (podcast streams, chat, a busy router in front of us) while
    // still bounding a flood: 1,000 at once, then 200 a second per peer.
    keysendRateLimit: rateLimit(1000, 200),
    alias: z
      .string()
      .refine((s) => utf8.encode(s).length <= 32, { message: 'at most 32 bytes of UTF-8 (BOLT 7)' })
      .default(''),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'expected #rrggbb')
      .default('#3399ff'),
    fees: z
      .object({
        baseMsat: amount.default(1000n),
        proportionalMillionths: z.int().min(0).max(1_000_000).default(1),
        cltvExpiryDelta: z.int().min(18).max(2016).default(80),
      })
      .strict()
      .prefault({}),
    acceptKeysend: z.boolean().default(true),
    limits: z
      .object({
        maxInboundPeers: z.int().min(0).max(100_000).default(100),
        minChannelSat: amount.default(20_000n),
        maxChannelSat: amount.default(16_777_215n),
        maxAcceptedHtlcs: z.int().min(5).max(483).default(30),
      })
      .strict()
      .prefault({}),
    channels: z
      .object({
        minimumDepth: z.int().min(1).max(144).default(3),
        announce: z.boolean().default(true),
        toSelfDelay: z.int().min(6).max(2016).default(144),
        channelType: z.enum(CHANNEL_TYPES).default('static_remotekey'),
        /** msat of dust exposure allowed per sat/kw of the urgent fee estimate (LDK's default). */
        maxDustExposureMultiplier: z.int().min(1).max(10_000_000).default(10_000),
        /** A fixed dust exposure cap instead of the multiplier. */
        maxDustExposureMsat: amount.optional(),
        /** Our max_htlc_value_in_flight_msat, in percent of the channel (Core Lightning: 100; LDK: 10). */
        maxHtlcValueInFlightPercent: z.int().min(1).max(100).default(100),
      })
      .strict()
      .prefault({}),
    gossip: z
      .object({ flushIntervalMs: z.int().min(10).max(3_600_000).default(60_000) })
      .strict()
      .prefault({}),
    logLevel: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

type Parsed = z.output<typeof SCHEMA>;

/** One flag / environment variable and where it goes in the file's shape. */
interface FlatSetting {
  path: readonly string[];
  kind: 'string' | 'int' | 'bool' | 'list' | 'endpoint' | 'amount';
  help: string;
}

/**
 * Every setting a flag (`--name`) or an environment variable (`KSNODE_NAME`, upper case with
 * underscores) can give. `data-dir` and `config` are read before the file; the rest override it.
 */
export const FLAT_SETTINGS: Readonly<Record<string, FlatSetting>> = {
  network: { path: ['network'], kind: 'string', help: 'regtest (the devnet), testnet, signet or bitcoin' },
  'chain-backend': {
    path: ['chain', 'backend'],
    kind: 'string',
    help: 'esplora (also the devnet) or bitcoind',
  },
  'chain-url': {
    path: ['chain', 'url'],
    kind: 'string',
    help: `Esplora base URL or bitcoind RPC URL (default ${DEFAULT_DEVNET_ESPLORA_URL}, a devnet)`,
  },
  'bitcoind-user': { path: ['chain', 'user'], kind: 'string', help: 'bitcoind RPC user' },
  'bitcoind-password': { path: ['chain', 'password'], kind: 'string', help: 'bitcoind RPC password' },
  'chain-poll-ms': { path: ['chain', 'pollIntervalMs'], kind: 'int', help: 'how often the chain is polled' },
  store: {
    path: ['store'],
    kind: 'string',
    help: 'SQLite file (default <data dir>/ksnode.sqlite) or postgres://user:pass@host/db',
  },
  'store-schema': {
    path: ['storeSchema'],
    kind: 'string',
    help: 'PostgreSQL schema for this node (several nodes may share one database)',
  },
  listen: {
    path: ['listen'],
    kind: 'endpoint',
    help: 'host:port for peers, or "none" (default 0.0.0.0:9735)',
  },
  'announce-addr': {
    path: ['announceAddresses'],
    kind: 'list',
    help: 'comma-separated host:port to announce',
  },
  api: {
    path: ['api'],
    kind: 'endpoint',
    help: 'host:port of the HTTP API, or "none" (default 127.0.0.1:8080)',
  },
  'api-burst': { path: ['apiRateLimit', 'burst'], kind: 'int', help: 'API requests per token at once' },
  'api-rate': { path: ['apiRateLimit', 'perSecond'], kind: 'int', help: 'API requests per token a second' },
  'keysend-burst': {
    path: ['keysendRateLimit', 'burst'],
    kind: 'int',
    help: 'incoming keysends per peer at once (default 1000)',
  },
  'keysend-rate': {
    path: ['keysendRateLimit', 'perSecond'],
    kind: 'int',
    help: 'incoming keysends per peer a second (default 200)',
  },
  alias: { path: ['alias'], kind: 'string', help: 'node alias (at most 32 bytes)' },
  color: { path: ['color'], kind: 'string', help: 'node color, #rrggbb' },
  'fee-base-msat': { path: ['fees', 'baseMsat'], kind: 'amount', help: 'forwarding base fee (msat)' },
  'fee-ppm': {
    path: ['fees', 'proportionalMillionths'],
    kind: 'int',
    help: 'forwarding fee in millionths of the amount',
  },
  'cltv-delta': { path: ['fees', 'cltvExpiryDelta'], kind: 'int', help: 'our cltv_expiry_delta (blocks)' },
  'accept-keysend': { path: ['acceptKeysend'], kind: 'bool', help: 'settle spontaneous (keysend) payments' },
  'max-peers': { path: ['limits', 'maxInboundPeers'], kind: 'int', help: 'inbound peers without channels' },
  'min-channel-sat': {
    path: ['limits', 'minChannelSat'],
    kind: 'amount',
    help: 'smallest channel we accept',
  },
  'max-channel-sat': { path: ['limits', 'maxChannelSat'], kind: 'amount', help: 'largest channel we accept' },
  'max-accepted-htlcs': {
    path: ['limits', 'maxAcceptedHtlcs'],
    kind: 'int',
    help: 'HTLCs a peer may offer us at once',
  },
  'min-depth': {
    path: ['channels', 'minimumDepth'],
    kind: 'int',
    help: 'confirmations before a channel opens',
  },
  'announce-channels': { path: ['channels', 'announce'], kind: 'bool', help: 'announce new channels' },
  'to-self-delay': { path: ['channels', 'toSelfDelay'], kind: 'int', help: 'CSV delay we impose on peers' },
  'channel-type': {
    path: ['channels', 'channelType'],
    kind: 'string',
    help: `commitment format of channels we open: ${CHANNEL_TYPES.join(' or ')} (default static_remotekey)`,
  },
  'max-dust-exposure-multiplier': {
    path: ['channels', 'maxDustExposureMultiplier'],
    kind: 'int',
    help: 'dust HTLC exposure per channel: this many msat per sat/kw of the fee estimate (default 10000)',
  },
  'max-dust-exposure-msat': {
    path: ['channels', 'maxDustExposureMsat'],
    kind: 'amount',
    help: 'a fixed dust HTLC exposure cap per channel (msat) instead of the multiplier',
  },
  'max-htlc-in-flight-percent': {
    path: ['channels', 'maxHtlcValueInFlightPercent'],
    kind: 'int',
    help: 'our max_htlc_value_in_flight_msat, in % of the channel: 1..100 (default 100; LDK uses 10)',
  },
  'gossip-flush-ms': { path: ['gossip', 'flushIntervalMs'], kind: 'int', help: 'gossip relay interval' },
  'log-level': { path: ['logLevel'], kind: 'string', help: LOG_LEVELS.join(', ') },
};

/** The environment variable of a flat setting: `chain-url` -> `KSNODE_CHAIN_URL`. */
export function envName(setting: string): string {
  return `KSNODE_${setting.toUpperCase().replace(/-/g, '_')}`;
}

/** The layers `loadConfig` reads (the file is found through `data-dir` / `config`). */
export interface ConfigSources {
  /** Flag values by setting name (`chain-url`), plus `data-dir` and `config`. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  env?: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved from here (default: the process's). */
  cwd?: string;
  /** The default data directory is `<home>/.ksnode`. */
  home?: string;
}

function convert(name: string, s: FlatSetting, raw: string | boolean, from: string): unknown {
  const bad = (expected: string): never => {
    throw new ConfigError(`${from}: expected ${expected}, got ${JSON.stringify(raw)}`);
  };
  if (typeof raw === 'boolean') return s.kind === 'bool' ? raw : bad(`a value for ${name}`);
  const v = raw.trim();
  switch (s.kind) {
    case 'string':
      return v;
    case 'int':
      return /^\d{1,15}$/.test(v) ? Number(v) : bad('a non-negative integer');
    case 'amount':
      return /^\d+$/.test(v) ? BigInt(v) : bad('a whole number');
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      return bad('true or false');
    case 'list':
      return v === '' ? [] : v.split(',').map((x) => x.trim());
    case 'endpoint':
      return /^(none|off|false)$/i.test(v) ? false : v;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = target;
  for (const key of path.slice(0, -1)) {
    const next = o[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) o[key] = {};
    o = o[key] as Record<string, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

function describeIssues(error: z.ZodError, where: string): string {
  const lines = error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return `  ${path === '' ? '(top level)' : path}: ${i.message}`;
  });
  return `${where}:\n${lines.join('\n')}`;
}

function readFileLayer(path: string, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) throw new ConfigError(`config file ${path} does not exist`);
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  const checked = SCHEMA.safeParse(json);
  if (!checked.success) throw new ConfigError(describeIssues(checked.error, `config file ${path}`));
  return json as Record<string, unknown>;
}

function finish(p: Parsed, dataDir: string, cwd: string, seedPassphrase: string | undefined): NodeConfig {
  const url =
    p.chain.url ??
    (p.chain.backend === 'esplora' && p.network === 'regtest' ? DEFAULT_DEVNET_ESPLORA_URL : undefined);
  if (url === undefined)
    throw new ConfigError(
      `chain-url is required for ${p.chain.backend} on ${p.network} (there is a default only for the devnet)`,
    );
  const chain: NodeConfig['chain'] =
    p.chain.backend === 'esplora'
      ? { kind: 'esplora', url, pollIntervalMs: p.chain.pollIntervalMs }
      : {
          kind: 'bitcoind',
          url,
          pollIntervalMs: p.chain.pollIntervalMs,
          ...(p.chain.user !== undefined ? { user: p.chain.user } : {}),
          ...(p.chain.password !== undefined ? { password: p.chain.password } : {}),
        };
  let store: StoreSetting;
  if (p.store === undefined) store = { kind: 'sqlite', dir: dataDir, fileName: DEFAULT_SQLITE_FILE };
  else if (/^postgres(ql)?:\/\//.test(p.store))
    store = {
      kind: 'postgres',
      url: p.store,
      ...(p.storeSchema !== undefined ? { schema: p.storeSchema } : {}),
    };
  else {
    const file = isAbsolute(p.store) ? p.store : resolve(cwd, p.store);
    store = { kind: 'sqlite', dir: dirname(file), fileName: basename(file) };
  }
  if (p.storeSchema !== undefined && store.kind !== 'postgres')
    throw new ConfigError('store-schema is for PostgreSQL: give a postgres:// URL as store');
  if (p.limits.minChannelSat > p.limits.maxChannelSat)
    throw new ConfigError('limits: min-channel-sat is above max-channel-sat');
  return {
    dataDir,
    network: p.network,
    chain,
    store,
    listen: p.listen === false ? null : parseHostPort(p.listen)!,
    announceAddresses: p.announceAddresses.map((a) => parseHostPort(a)!),
    api: p.api === false ? null : parseHostPort(p.api)!,
    apiRateLimit: p.apiRateLimit,
    keysendRateLimit: p.keysendRateLimit,
    alias: p.alias,
    color: p.color.toLowerCase(),
    fees: p.fees,
    acceptKeysend: p.acceptKeysend,
    limits: p.limits,
    channels: {
      minimumDepth: p.channels.minimumDepth,
      announce: p.channels.announce,
      toSelfDelay: p.channels.toSelfDelay,
      channelType: p.channels.channelType,
      maxDustExposure:
        p.channels.maxDustExposureMsat !== undefined
          ? { kind: 'fixed', msat: p.channels.maxDustExposureMsat }
          : { kind: 'feerateMultiplier', multiplier: p.channels.maxDustExposureMultiplier },
      maxHtlcValueInFlightPercent: p.channels.maxHtlcValueInFlightPercent,
    },
    gossip: p.gossip,
    logLevel: p.logLevel,
    ...(seedPassphrase !== undefined && seedPassphrase !== '' ? { seedPassphrase } : {}),
  };
}

/**
 * Builds the configuration: defaults, then the file, then `KSNODE_*` variables, then flags. Throws
 * a ConfigError naming the setting and its source for anything unusable.
 */
export function loadConfig(sources: ConfigSources = {}): NodeConfig {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const str = (v: string | boolean | undefined): string | undefined =>
    typeof v === 'string' && v !== '' ? v : undefined;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));

  const explicitDir = str(flags['data-dir']) ?? str(env.KSNODE_DATA_DIR);
  const explicitFile = str(flags.config) ?? str(env.KSNODE_CONFIG);
  const provisionalDir = abs(explicitDir ?? join(sources.home ?? homedir(), '.ksnode'));
  const filePath = abs(explicitFile ?? join(provisionalDir, CONFIG_FILE_NAME));
  const layered = structuredClone(readFileLayer(filePath, explicitFile !== undefined));
  const fileDir = typeof layered.dataDir === 'string' ? layered.dataDir : undefined;
  const dataDir =
    explicitDir !== undefined ? provisionalDir : fileDir !== undefined ? abs(fileDir) : provisionalDir;
  delete layered.dataDir;

  for (const [source, values] of [
    ['environment', env],
    ['flags', flags],
  ] as const) {
    for (const [name, setting] of Object.entries(FLAT_SETTINGS)) {
      const key = source === 'environment' ? envName(name) : name;
      const raw = values[key];
      if (raw === undefined || raw === '') continue;
      const from = source === 'environment' ? key : `--${name}`;
      setPath(layered, setting.path, convert(name, setting, raw, from));
    }
  }
  const parsed = SCHEMA.safeParse(layered);
  if (!parsed.success)
    throw new ConfigError(describeIssues(parsed.error, 'configuration (file, KSNODE_* variables and flags)'));
  return finish(parsed.data, dataDir, cwd, env.KSNODE_SEED_PASSPHRASE);
}
