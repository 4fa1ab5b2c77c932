// BOLT 9 feature bits (plus bLIP 2's keysend): an immutable bit set, the catalogue of assigned
// features with their contexts and dependencies, and the checks BOLT 1 asks of a received vector.

/**
 * Where a feature may be presented (BOLT 9 "Context" column): `I` init, `N` node_announcement,
 * `C` channel_announcement (`C-` always odd, `C+` always even), `9` BOLT 11 invoices, `B` a blinded
 * path's `allowed_features`, `T` the `channel_type` of channel opening.
 */
export type FeatureContext = 'I' | 'N' | 'C' | 'C-' | 'C+' | '9' | 'B' | 'T';

export interface FeatureInfo {
  /** The spec's name, e.g. `option_anchors`. */
  readonly name: string;
  /** The even (compulsory) bit; the optional bit is `required + 1`. */
  readonly required: number;
  readonly optional: number;
  /** Empty for features the spec no longer presents anywhere (ASSUMED or legacy ones). */
  readonly contexts: readonly FeatureContext[];
  /** Names of the features this one depends on (BOLT 9 "Dependencies" column). */
  readonly dependencies: readonly string[];
  /**
   * `assumed`: BOLT 9 "ASSUMED to be present by all nodes"; `legacy`: no longer in BOLT 9 at all;
   * `active`: in the current table.
   */
  readonly status: 'active' | 'assumed' | 'legacy';
  readonly source: 'BOLT 9' | 'bLIP 2';
}

function feature(
  name: string,
  required: number,
  contexts: string,
  dependencies: readonly string[] = [],
  status: FeatureInfo['status'] = 'active',
  source: FeatureInfo['source'] = 'BOLT 9',
): FeatureInfo {
  const ctx = (contexts.match(/[INC9BT][+-]?/g) ?? []) as FeatureContext[];
  return Object.freeze({
    name,
    required,
    optional: required + 1,
    contexts: Object.freeze(ctx),
    dependencies: Object.freeze([...dependencies]),
    status,
    source,
  });
}

/** Every feature ksnode knows by name (bit numbers as in 09-features.md and bLIP 2). */
export const FEATURES = Object.freeze({
  optionDataLossProtect: feature('option_data_loss_protect', 0, '', [], 'assumed'),
  /** Bit 3 only; gone from BOLT 9 (peers now ask for gossip with gossip_timestamp_filter). */
  initialRoutingSync: feature('initial_routing_sync', 2, 'I', [], 'legacy'),
  optionUpfrontShutdownScript: feature('option_upfront_shutdown_script', 4, 'IN'),
  gossipQueries: feature('gossip_queries', 6, ''),
  varOnionOptin: feature('var_onion_optin', 8, '', [], 'assumed'),
  gossipQueriesEx: feature('gossip_queries_ex', 10, 'IN'),
  optionStaticRemotekey: feature('option_static_remotekey', 12, '', [], 'assumed'),
  paymentSecret: feature('payment_secret', 14, '', [], 'assumed'),
  basicMpp: feature('basic_mpp', 16, 'IN9', ['payment_secret']),
  optionSupportLargeChannel: feature('option_support_large_channel', 18, 'IN'),
  optionAnchors: feature('option_anchors', 22, 'INT'),
  optionRouteBlinding: feature('option_route_blinding', 24, 'IN9'),
  optionShutdownAnysegwit: feature('option_shutdown_anysegwit', 26, 'IN'),
  optionDualFund: feature('option_dual_fund', 28, 'IN'),
  optionQuiesce: feature('option_quiesce', 34, 'IN'),
  optionAttributionData: feature('option_attribution_data', 36, 'IN9'),
  optionOnionMessages: feature('option_onion_messages', 38, 'IN'),
  optionProvideStorage: feature('option_provide_storage', 42, 'IN'),
  optionChannelType: feature('option_channel_type', 44, '', [], 'assumed'),
  optionScidAlias: feature('option_scid_alias', 46, 'INT'),
  optionPaymentMetadata: feature('option_payment_metadata', 48, '9'),
  optionZeroconf: feature('option_zeroconf', 50, 'INT', ['option_scid_alias']),
  /** bLIP 2 / bLIP 3: spontaneous payments; presented in node_announcement. */
  keysend: feature('keysend', 54, 'N', ['var_onion_optin'], 'active', 'bLIP 2'),
  optionSimpleClose: feature('option_simple_close', 60, 'IN', ['option_shutdown_anysegwit']),
  optionSplice: feature('option_splice', 62, 'IN'),
});

export const ALL_FEATURES: readonly FeatureInfo[] = Object.freeze(Object.values(FEATURES));

const byName = new Map(ALL_FEATURES.map((f) => [f.name, f]));
const byPair = new Map(ALL_FEATURES.map((f) => [f.required, f]));

/** The feature a bit belongs to (either bit of its pair), if ksnode knows it. */
export function featureByBit(bit: number): FeatureInfo | undefined {
  return byPair.get(bit - (bit % 2));
}

/** The feature with a spec name (e.g. `basic_mpp`), if ksnode knows it. */
export function featureByName(name: string): FeatureInfo | undefined {
  return byName.get(name);
}

/** The highest bit a u16-length feature field can hold. */
export const MAX_FEATURE_BIT = 65535 * 8 - 1;

function checkBit(bit: number): void {
  if (!Number.isInteger(bit) || bit < 0 || bit > MAX_FEATURE_BIT) {
    throw new RangeError(`feature bit must be an integer in 0..${MAX_FEATURE_BIT}, got ${bit}`);
  }
}

/** Drops high zero bytes of a little-endian byte string. */
function trim(le: Uint8Array): Uint8Array {
  let n = le.length;
  while (n > 0 && le[n - 1] === 0) n--;
  return n === le.length ? le : le.slice(0, n);
}

/**
 * An immutable set of feature bits. Bit 0 is the least significant bit of the last byte of the
 * BOLT 9 big-endian vector; even bits are compulsory, odd ones optional ("it's OK to be odd").
 */
export class Features {
  /** Little-endian: bit i is bit (i % 8) of byte (i >> 3); no high zero bytes. */
  readonly #le: Uint8Array;

  private constructor(le: Uint8Array) {
    this.#le = le;
  }

  static readonly empty: Features = new Features(new Uint8Array(0));

  /** From a BOLT 9 vector (big-endian bytes, any length: leading zero bytes are allowed). */
  static fromBytes(be: Uint8Array): Features {
    const le = new Uint8Array(be.length);
    for (let i = 0; i < be.length; i++) le[i] = be[be.length - 1 - i] ?? 0;
    return new Features(trim(le));
  }

  /** From a list of set bit numbers (the form BOLT 11 invoices use). */
  static fromBits(bits: Iterable<number>): Features {
    let max = -1;
    const list = [...bits];
    for (const b of list) {
      checkBit(b);
      if (b > max) max = b;
    }
    const le = new Uint8Array((max >> 3) + 1);
    for (const b of list) le[b >> 3] = (le[b >> 3] ?? 0) | (1 << (b & 7));
    return new Features(trim(le));
  }

  /** Each feature set to its compulsory (even) or optional (odd) bit. */
  static of(...set: readonly [FeatureInfo, 'required' | 'optional'][]): Features {
    return Features.fromBits(set.map(([f, how]) => (how === 'required' ? f.required : f.optional)));
  }

  /**
   * The minimal big-endian vector. BOLT 1: "SHOULD use the minimum length required to represent
   * the `features` field."
   */
  toBytes(): Uint8Array {
    const n = this.#le.length;
    const be = new Uint8Array(n);
    for (let i = 0; i < n; i++) be[i] = this.#le[n - 1 - i] ?? 0;
    return be;
  }

  /** The set bits in ascending order. */
  toBits(): readonly number[] {
    const out: number[] = [];
    this.#le.forEach((byte, i) => {
      for (let j = 0; j < 8; j++) if ((byte >> j) & 1) out.push(i * 8 + j);
    });
    return out;
  }

  get isEmpty(): boolean {
    return this.#le.length === 0;
  }

  has(bit: number): boolean {
    if (!Number.isInteger(bit) || bit < 0) return false;
    return (((this.#le[bit >> 3] ?? 0) >> (bit & 7)) & 1) === 1;
  }

  /** A copy with `bit` set. */
  with(bit: number): Features {
    checkBit(bit);
    const le = new Uint8Array(Math.max(this.#le.length, (bit >> 3) + 1));
    le.set(this.#le);
    le[bit >> 3] = (le[bit >> 3] ?? 0) | (1 << (bit & 7));
    return new Features(le);
  }

  /** A copy with `bit` cleared. */
  without(bit: number): Features {
    if (!this.has(bit)) return this;
    const le = Uint8Array.from(this.#le);
    le[bit >> 3] = (le[bit >> 3] ?? 0) & ~(1 << (bit & 7));
    return new Features(trim(le));
  }

  /** A copy with the feature compulsory. BOLT 9: "MUST NOT set both the optional and mandatory bits." */
  withRequired(f: FeatureInfo): Features {
    return this.without(f.optional).with(f.required);
  }

  /** A copy with the feature optional (its even bit cleared). */
  withOptional(f: FeatureInfo): Features {
    return this.without(f.required).with(f.optional);
  }

  /**
   * Whether the even bit is set. BOLT 9: "if both the optional and the mandatory feature bits in a
   * pair are set, the feature should be treated as mandatory."
   */
  isRequired(f: FeatureInfo): boolean {
    return this.has(f.required);
  }

  /** Whether only the odd bit is set. */
  isOptional(f: FeatureInfo): boolean {
    return this.has(f.optional) && !this.has(f.required);
  }

  /** Whether either bit is set (the feature is *offered*, in BOLT 1's word). */
  offers(f: FeatureInfo): boolean {
    return this.has(f.required) || this.has(f.optional);
  }

  /** Every bit set in either. */
  union(other: Features): Features {
    const a = this.#le;
    const b = other.#le;
    const le = new Uint8Array(Math.max(a.length, b.length));
    for (let i = 0; i < le.length; i++) le[i] = (a[i] ?? 0) | (b[i] ?? 0);
    return new Features(le);
  }

  equals(other: Features): boolean {
    const a = this.#le;
    const b = other.#le;
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  /** Human-readable: `option_anchors` (required) or `option_anchors?` (optional), else `bit N`. */
  describe(): string[] {
    const out: string[] = [];
    for (const bit of this.toBits()) {
      const f = featureByBit(bit);
      if (f === undefined) out.push(`bit ${bit}`);
      else if (bit === f.required) out.push(f.name);
      else if (!this.has(f.required)) out.push(`${f.name}?`);
    }
    return out;
  }

  toString(): string {
    return this.describe().join(', ');
  }
}

/**
 * The one logical feature vector of an `init` message. BOLT 1: "MUST combine (bitwise OR) the two
 * feature bitmaps into one logical `features` map."
 */
export function initFeatures(init: { globalfeatures: Uint8Array; features: Uint8Array }): Features {
  return Features.fromBytes(init.globalfeatures).union(Features.fromBytes(init.features));
}

export interface MissingDependency {
  /** A feature that is set. */
  readonly feature: FeatureInfo;
  /** A (transitive) dependency of it that is not set. */
  readonly missing: FeatureInfo;
}

/**
 * The dependencies the vector fails to set. BOLT 9: "MUST set all transitive feature
 * dependencies." and BOLT 1: "if the feature vector does not set all known, transitive
 * dependencies: MUST close the connection."
 *
 * Dependencies on ASSUMED features (e.g. keysend on var_onion_optin) count as met unless
 * `strict` is set, since BOLT 9 says such features are present in all nodes and "can be safely
 * ignored".
 */
export function missingDependencies(
  features: Features,
  options: { strict?: boolean } = {},
): MissingDependency[] {
  const out: MissingDependency[] = [];
  for (const f of ALL_FEATURES) {
    if (!features.offers(f)) continue;
    const seen = new Set<string>();
    const queue = [...f.dependencies];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const dep = byName.get(name);
      if (dep === undefined) continue;
      queue.push(...dep.dependencies);
      if (features.offers(dep)) continue;
      if (dep.status === 'assumed' && options.strict !== true) continue;
      out.push({ feature: f, missing: dep });
    }
  }
  return out;
}

/**
 * The even bits `theirs` sets for features `ours` does not offer at all (`ours` is the vector of
 * features we implement, either bit set).
 * BOLT 1, the receiving node: "upon receiving unknown _even_ feature bits that are non-zero:
 * MUST close the connection."
 */
export function unknownRequiredFeatures(theirs: Features, ours: Features): number[] {
  return theirs.toBits().filter((b) => b % 2 === 0 && !ours.has(b) && !ours.has(b + 1));
}

/**
 * Whether a feature is in force on a connection.
 * BOLT 1, a feature is negotiated: "if either both peers offered it, or the local node offered it
 * as even".
 */
export function isNegotiated(local: Features, remote: Features, f: FeatureInfo): boolean {
  return (local.offers(f) && remote.offers(f)) || local.isRequired(f);
}

/**
 * Known features set in a field whose context the catalogue does not list for them. BOLT 9: "MUST
 * NOT set feature bits in fields not specified by the table above." Features with no context
 * (ASSUMED ones, `gossip_queries`) are skipped: peers still set them in `init` for older nodes.
 */
export function misplacedFeatures(
  features: Features,
  context: 'I' | 'N' | 'C' | '9' | 'B' | 'T',
): FeatureInfo[] {
  const allowed = (f: FeatureInfo) =>
    context === 'C' ? f.contexts.some((c) => c.startsWith('C')) : f.contexts.includes(context);
  return ALL_FEATURES.filter((f) => features.offers(f) && f.contexts.length > 0 && !allowed(f));
}
