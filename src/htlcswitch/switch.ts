// src/htlcswitch/switch.ts: the shell around decideForward. It peels incoming onions, forwards over
// channel links, and carries every resolution back to where the HTLC came from, persisting each
// step before acting on it so that a restart picks up exactly where the node stopped.
import { bytesToHex, equalBytes, sha256 } from '../crypto/index.js';
import { failureCode, type OnionFailure, type PeeledForward, peelOnion } from '../onion/index.js';
import type { Store } from '../store/index.js';
import {
  type Circuit,
  circuitKey,
  circuitOrigin,
  type ForwardCircuit,
  forwardCircuitKey,
  type LocalCircuit,
  localCircuitKey,
  type UpstreamResolution,
} from './circuit.js';
import { CircuitStore } from './circuit-store.js';
import { decideForward, type ForwardDecision, isChannelStateFailure } from './decide.js';
import { FinalHops } from './final-hop.js';
import type { AddHtlcResult, ChannelLink, DownstreamFailure, IncomingHtlc } from './link.js';
import { LinkTable } from './links.js';
import { DEFAULT_FORWARD_LIMITS, type ForwardLimits } from './policy.js';
import type { FinalHopHandler, LocalHtlcOutcome, PaymentOutcomeSink, SwitchEvent } from './ports.js';
import {
  fulfillAttribution,
  holdTime,
  malformedToFailure,
  ourFailure,
  wrapDownstreamFailure,
} from './returns.js';

export interface HtlcSwitchConfig {
  store: Store;
  /** This node's private key: incoming onions are encrypted to it. */
  nodePrivateKey: Uint8Array;
  finalHop: FinalHopHandler;
  payments: PaymentOutcomeSink;
  /** Unix milliseconds (the shell's clock; tests pass their own). */
  now: () => number;
  limits?: Partial<ForwardLimits>;
  /** Even onion payload types this node understands beyond BOLT 4's (see PeelOptions). */
  knownEvenTypes?: ReadonlySet<bigint>;
  /** Send `attribution_data` with fulfills and failures (option_attribution_data). Default true. */
  attributionData?: boolean;
  onEvent?: (event: SwitchEvent) => void;
}

/** An HTLC of a payment we send, as the payment loop asks for it. */
export interface SendHtlcRequest {
  /** The payment loop's unique name for this attempt (reported back with the outcome). */
  ref: string;
  /** The first hop's channel (real short_channel_id or alias). */
  shortChannelId: bigint;
  amountMsat: bigint;
  cltvExpiry: number;
  paymentHash: Uint8Array;
  onion: Uint8Array;
}

export type SendHtlcResult =
  | { kind: 'sent'; htlcId: bigint }
  /** An attempt with this ref is still open; its outcome will be reported. */
  | { kind: 'already_sent' }
  /** Nothing went out: the failure as if the first hop had returned it. */
  | { kind: 'refused'; failure: OnionFailure; reason: string };

type PostAction = () => Promise<void>;

/** Resolves once the callbacks of the current turn of the event loop have run. */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The inputs that queue up together (see `grouped`), each kind processed by one method. */
type GroupKind = 'incoming' | 'resolved' | 'send' | 'forget';

interface GroupItem {
  /** An error that concerns this item alone (its caller's promise rejects with it). */
  failed?: { error: unknown };
}

interface Group {
  kind: GroupKind;
  items: GroupItem[];
  done: Promise<void>;
}

interface IncomingItem extends GroupItem {
  link: ChannelLink;
  htlc: IncomingHtlc;
}

type ResolvedItem = GroupItem & { link: ChannelLink; htlcId: bigint } & (
    | { kind: 'fulfilled'; preimage: Uint8Array; attributionData: Uint8Array | undefined }
    | { kind: 'failed'; failure: DownstreamFailure }
  );

/** Our HTLC whose outcome the payment loop has taken: its circuit can go. */
interface ForgetItem extends GroupItem {
  c: LocalCircuit;
}

interface SendItem extends GroupItem {
  request: SendHtlcRequest;
  result?: SendHtlcResult;
}

/** A forward decided and ready to store: its circuit (without its row id yet) and where it goes. */
interface PlannedForward {
  link: ChannelLink;
  circuit: ForwardCircuit;
  outLink: ChannelLink;
  onion: Uint8Array;
}

/** A forward's resolution for the incoming HTLC, decided and waiting to be stored and handed over. */
interface Upstream {
  c: ForwardCircuit;
  u: UpstreamResolution;
}

/** Waits for every promise, then throws the first rejection, if any (no promise left running). */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((x) => x.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((x) => (x as PromiseFulfilledResult<T>).value);
}

const htlcRef = (channelId: Uint8Array, htlcId: bigint): string => `${bytesToHex(channelId)}/${htlcId}`;
const NO_UPDATE = new Uint8Array(0);

/**
 * The HTLC switch. Inputs (events from channel links, blocks, payments to send) are processed one
 * at a time, each to completion, in arrival order, so no two interleave (as in LDK's
 * ChannelManager). HTLC inputs of one kind that arrive while the switch is busy wait together and
 * are then processed as one group, in phases (see `grouped`); our own sends also wait for the end
 * of the turn they arrive in. Register links with `addLink`, then
 * call `start` once before any other input.
 */
export class HtlcSwitch {
  private readonly circuitStore: CircuitStore;
  private readonly limits: ForwardLimits;
  private readonly attribution: boolean;
  private readonly links: LinkTable;
  private readonly finals: FinalHops;
  private readonly circuits = new Map<string, Circuit>();
  private readonly byOutgoing = new Map<string, string>();
  private height = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The group that new inputs of its kind join: queued, not yet begun. */
  private openGroup: Group | undefined;
  private started = false;

  constructor(private readonly config: HtlcSwitchConfig) {
    this.circuitStore = new CircuitStore(config.store);
    this.limits = { ...DEFAULT_FORWARD_LIMITS, ...config.limits };
    this.attribution = config.attributionData ?? true;
    this.links = new LinkTable(config.now, this.limits.previousPolicyGraceMs);
    this.finals = new FinalHops({
      links: this.links,
      handler: config.finalHop,
      now: config.now,
      attribution: this.attribution,
      emit: (e) => this.emit(e),
    });
  }

  // ---------------------------------------------------------------- lifecycle, links, blocks

  /**
   * Loads the circuits and reconciles them with the registered links: a circuit whose outgoing add
   * never reached its channel fails back; resolutions decided but not handed over are handed over.
   */
  async start(currentHeight: number): Promise<void> {
    if (this.started) throw new Error('HtlcSwitch.start called twice');
    await this.input(async (post) => {
      this.height = currentHeight;
      const { circuits, closedChannels } = await this.circuitStore.load();
      for (const id of closedChannels) this.links.markClosed(id);
      for (const c of circuits) this.index(c);
      this.started = true;
      for (const c of circuits) await this.reconcile(c, post);
      for (const c of circuits) this.noticeOnChain(c, post);
    }, false);
  }

  /** Registers (or replaces, after a reconnection) a channel's link and resumes work waiting on it. */
  async addLink(link: ChannelLink): Promise<void> {
    this.links.register(link);
    if (!this.started) return;
    await this.input(async (post) => {
      for (const c of [...this.circuits.values()]) {
        const touches =
          equalBytes(c.outgoingChannelId, link.channelId) ||
          (c.kind === 'forward' && equalBytes(c.incomingChannelId, link.channelId));
        if (touches) await this.reconcile(c, post);
      }
    });
  }

  /** Forgets a link whose channel object is gone (a closed channel with nothing left on chain). */
  removeLink(channelId: Uint8Array): void {
    this.links.remove(channelId);
    this.finals.forgetChannel(channelId);
  }

  /**
   * The channel is closing or closed: no HTLC will be added to it again. Its outgoing HTLCs resolve
   * on chain (the channel layer reports them), or are failed back when their incoming HTLC is about
   * to expire (see `blockConnected`). Keep its link registered while it resolves HTLCs on chain.
   */
  async channelClosed(channelId: Uint8Array): Promise<void> {
    await this.input(async (post) => {
      this.links.markClosed(bytesToHex(channelId));
      await this.circuitStore.markClosed(channelId);
      for (const c of this.circuits.values())
        if (equalBytes(c.outgoingChannelId, channelId)) this.noticeOnChain(c, post);
    });
  }

  /**
   * A new tip. Fails back forwards whose outgoing channel is closed (or gone) with the outgoing
   * HTLC unresolved, once the incoming HTLC expires within `failBackBlocks`: waiting longer would
   * make the upstream peer close its channel with us, while the outgoing HTLC, whose timeout came
   * `cltv_expiry_delta` blocks earlier, is all but certain to have been timed out on chain. Also
   * retries resolutions not yet handed over, and drops resolved circuits whose incoming HTLC expired.
   */
  async blockConnected(height: number): Promise<void> {
    await this.input(async (post) => {
      this.height = height;
      for (const c of [...this.circuits.values()]) {
        if (c.kind !== 'forward') continue;
        if (c.state === 'resolved') {
          if (c.incomingCltvExpiry < height) await this.forget(c);
          continue;
        }
        if (c.state === 'resolving') {
          await this.sendUpstream(c);
          // Its incoming channel is gone and the HTLC expired: nothing is left to hand over to.
          if (
            c.state === 'resolving' &&
            c.incomingCltvExpiry < height &&
            this.links.get(c.incomingChannelId) === undefined
          )
            await this.forget(c);
          continue;
        }
        const left = c.incomingCltvExpiry - height;
        if (this.links.isStranded(c.outgoingChannelId) && left <= this.limits.failBackBlocks) {
          const why = `outgoing channel closed with the HTLC unresolved; failed back ${left} blocks before the incoming HTLC expires`;
          await this.failNow(c, { name: 'permanent_channel_failure' }, why, post);
        }
      }
    });
  }

  // ---------------------------------------------------------------- events from links

  /** An incoming HTLC is irrevocably committed: peel it, then forward, hand to the registry or fail. */
  async incomingHtlcCommitted(link: ChannelLink, htlc: IncomingHtlc): Promise<void> {
    const item: IncomingItem = { link, htlc };
    await this.grouped('incoming', item);
  }

  /** The peer fulfilled an HTLC we offered (or we learned its preimage on chain). */
  async outgoingHtlcFulfilled(
    link: ChannelLink,
    htlcId: bigint,
    preimage: Uint8Array,
    attributionData?: Uint8Array,
  ): Promise<void> {
    const item: ResolvedItem = { kind: 'fulfilled', link, htlcId, preimage, attributionData };
    await this.grouped('resolved', item);
  }

  /** An HTLC we offered was failed (by the peer, or it can no longer be claimed on chain). */
  async outgoingHtlcFailed(link: ChannelLink, htlcId: bigint, failure: DownstreamFailure): Promise<void> {
    const item: ResolvedItem = { kind: 'failed', link, htlcId, failure };
    await this.grouped('resolved', item);
  }

  /**
   * Resolutions of HTLCs we offered: each decides what goes upstream (or to the payment loop); the
   * forwards' resolutions are then stored in one transaction and handed over together.
   */
  private async onResolvedGroup(items: readonly ResolvedItem[], post: PostAction[]): Promise<void> {
    const upstream: Upstream[] = [];
    for (const item of items) {
      const c = this.outgoingCircuit(item.link.channelId, item.htlcId);
      if (c === undefined) continue;
      if (item.kind === 'fulfilled') this.onFulfilled(c, item, upstream, post);
      else this.onFailed(c, item.failure, upstream, post);
    }
    await this.resolveUpstream(upstream);
  }

  private onFulfilled(
    c: Circuit,
    item: ResolvedItem & { kind: 'fulfilled' },
    upstream: Upstream[],
    post: PostAction[],
  ): void {
    const { preimage, attributionData } = item;
    if (!equalBytes(sha256(preimage), c.paymentHash)) {
      this.anomaly(
        `preimage for outgoing HTLC ${htlcRef(item.link.channelId, item.htlcId)} does not match its payment hash`,
      );
      return;
    }
    if (c.kind === 'local') {
      const outcome: LocalHtlcOutcome = { kind: 'fulfilled', preimage };
      if (attributionData !== undefined) outcome.attributionData = attributionData;
      if (c.outcome === undefined) this.setOutcome(c, outcome, post);
      return;
    }
    if (c.upstream !== undefined) {
      if (c.upstream.kind === 'fail') {
        this.anomaly(
          `forward ${c.forwardId}: downstream claimed ${c.outgoingAmountMsat} msat after the incoming HTLC was failed back`,
        );
      }
      return;
    }
    const hold = holdTime(c.createdAt, this.config.now());
    const u: UpstreamResolution = { kind: 'fulfill', preimage };
    const attr = fulfillAttribution(c.sharedSecret, attributionData, false, this.attribution, hold);
    if (attr !== undefined) u.attributionData = attr;
    this.decideUpstream(c, u, upstream);
  }

  private onFailed(c: Circuit, failure: DownstreamFailure, upstream: Upstream[], post: PostAction[]): void {
    if (c.kind === 'local') {
      if (c.outcome === undefined) this.setOutcome(c, { kind: 'failed', failure }, post);
      return;
    }
    if (c.upstream !== undefined) return;
    if (failure.kind === 'fail') {
      // BOLT 4: "Intermediate hops store the shared secret from the forward path and reuse it to
      // authenticate and obfuscate any corresponding return packet during each hop."
      const hold = holdTime(c.createdAt, this.config.now());
      const back = wrapDownstreamFailure(
        c.sharedSecret,
        failure.reason,
        failure.attributionData,
        this.attribution,
        hold,
      );
      this.decideUpstream(c, { kind: 'fail', ...back, description: 'failed downstream' }, upstream);
    } else if (failure.kind === 'malformed') {
      const { failure: converted, valid } = malformedToFailure(failure.failureCode, failure.sha256OfOnion);
      if (!valid)
        this.anomaly(`update_fail_malformed_htlc code ${failure.failureCode} lacks the BADONION bit`);
      const code = `0x${failure.failureCode.toString(16)}`;
      this.failUpstream(
        c,
        converted,
        `next hop could not parse the onion (failure code ${code})`,
        upstream,
        post,
      );
    } else {
      const why = `outgoing channel closed: ${failure.why}`;
      this.failUpstream(c, { name: 'permanent_channel_failure' }, why, upstream, post);
    }
  }

  // ---------------------------------------------------------------- the registry and the payment loop

  /**
   * Settles a final-hop HTLC the registry held. Returns false if no such HTLC is held (already
   * resolved, or not reported again yet after a restart) or its link is not registered. Safe to
   * call from inside `onFinalHtlc`.
   */
  settleHeldHtlc(channelId: Uint8Array, htlcId: bigint, preimage: Uint8Array): Promise<boolean> {
    return this.finals.resolve(channelId, htlcId, { kind: 'settle', preimage });
  }

  /** Fails a held final-hop HTLC with `failure`; as settleHeldHtlc otherwise. */
  failHeldHtlc(channelId: Uint8Array, htlcId: bigint, failure: OnionFailure): Promise<boolean> {
    return this.finals.resolve(channelId, htlcId, { kind: 'fail', failure });
  }

  /**
   * Sends an HTLC of one of our payments over the first hop's channel. The circuit is stored
   * before the add; the outcome goes to the PaymentOutcomeSink.
   */
  async sendHtlc(request: SendHtlcRequest): Promise<SendHtlcResult> {
    const item: SendItem = { request };
    await this.grouped('send', item);
    return item.result ?? { kind: 'already_sent' };
  }

  /**
   * Whether an HTLC of ours with this ref is still open here ('pending': its outcome will be
   * delivered) or unknown (never added, or its outcome already delivered). After `start`, a ref
   * stored before a crash but never added has already been reported failed.
   */
  localHtlcStatus(ref: string): 'pending' | 'unknown' {
    return this.circuits.has(localCircuitKey(ref)) ? 'pending' : 'unknown';
  }

  /** The circuits not yet resolved (for the API and tests): forwards and our own HTLCs. */
  pendingCircuits(): Circuit[] {
    return [...this.circuits.values()].filter((c) => c.state !== 'resolved');
  }

  // ---------------------------------------------------------------- the input queue and the index

  /**
   * Runs `op` after every earlier input has finished, then the actions it deferred (deliveries to
   * the payment loop), outside the queue so that they may send new HTLCs.
   */
  private async input(
    op: (post: PostAction[]) => Promise<void>,
    requireStart = true,
    atTurnEnd = false,
  ): Promise<void> {
    // Inputs from now on queue behind this one, not in a group ahead of it.
    this.openGroup = undefined;
    if (requireStart && !this.started) throw new Error('HtlcSwitch: call start() before feeding inputs');
    const post: PostAction[] = [];
    const run = (atTurnEnd ? this.queue.then(endOfTurn) : this.queue).then(() => op(post));
    this.queue = run.catch(() => undefined);
    await run;
    // Each concerns another HTLC (the payment loop orders the outcomes of one payment itself).
    await settleAll(post.map((p) => p()));
  }

  /**
   * Queues `item` with the other inputs of its kind that arrive before their turn comes, and waits
   * for that group to be processed: its phases (decide each, store all in one transaction, hand
   * the HTLCs or resolutions to their channels together, store what came back in one transaction)
   * cost one write per phase instead of one per HTLC, and a channel that receives several adds or
   * removals in one turn stores them in one write too (see ChannelDriver's batches). Items are
   * decided in arrival order, each after the ones before it, so the outcome is that of processing
   * them one at a time. Rejects with the item's own error, or with the group's.
   *
   * A group of our own sends starts at the end of the turn it opened in, even when the switch is
   * idle: the payments a node starts come from separate callbacks (an API request each, read in
   * one turn when they arrive together), and each would otherwise run alone, with a circuit
   * transaction, a channel write (the whole channel state) and an ids transaction of its own.
   * Waiting for the turn's end costs a lone payment nothing measurable; 32 keysends started in
   * one turn then cost three writes instead of 96 (the sender's CPU per payment fell by a sixth,
   * and 1-hop throughput rose as much: the sender's event loop is its limit).
   */
  private async grouped(kind: 'incoming', item: IncomingItem): Promise<void>;
  private async grouped(kind: 'resolved', item: ResolvedItem): Promise<void>;
  private async grouped(kind: 'send', item: SendItem): Promise<void>;
  private async grouped(kind: 'forget', item: ForgetItem): Promise<void>;
  private async grouped(kind: GroupKind, item: GroupItem): Promise<void> {
    let g = this.openGroup;
    if (g === undefined || g.kind !== kind) {
      const items: GroupItem[] = [];
      const done = this.input(
        async (post) => {
          if (this.openGroup === fresh) this.openGroup = undefined;
          if (kind === 'incoming') await this.onIncomingGroup(items as IncomingItem[], post);
          else if (kind === 'resolved') await this.onResolvedGroup(items as ResolvedItem[], post);
          else if (kind === 'send') await this.onSendGroup(items as SendItem[]);
          else await this.onForgetGroup(items as ForgetItem[]);
        },
        true,
        kind === 'send',
      );
      const fresh: Group = { kind, items, done };
      this.openGroup = g = fresh;
    }
    g.items.push(item);
    await g.done;
    if (item.failed !== undefined) throw item.failed.error;
  }

  private emit(event: SwitchEvent): void {
    this.config.onEvent?.(event);
  }

  private anomaly(message: string): void {
    this.emit({ kind: 'anomaly', message });
  }

  private index(c: Circuit): void {
    this.circuits.set(circuitKey(c), c);
    if (c.outgoingHtlcId !== null)
      this.byOutgoing.set(htlcRef(c.outgoingChannelId, c.outgoingHtlcId), circuitKey(c));
  }

  private forget(c: Circuit): Promise<void> {
    return this.forgetAll([c]);
  }

  /** Deletes circuits (one transaction) and drops them from the index. */
  private async forgetAll(cs: readonly Circuit[]): Promise<void> {
    if (cs.length === 0) return;
    await this.circuitStore.deleteMany(cs);
    for (const c of cs) {
      this.circuits.delete(circuitKey(c));
      if (c.outgoingHtlcId !== null) this.byOutgoing.delete(htlcRef(c.outgoingChannelId, c.outgoingHtlcId));
    }
  }

  private outgoingCircuit(channelId: Uint8Array, htlcId: bigint): Circuit | undefined {
    const key = this.byOutgoing.get(htlcRef(channelId, htlcId));
    const c = key === undefined ? undefined : this.circuits.get(key);
    if (c === undefined) this.anomaly(`resolution for unknown outgoing HTLC ${htlcRef(channelId, htlcId)}`);
    return c;
  }

  // ---------------------------------------------------------------- incoming HTLCs

  /**
   * Incoming HTLCs: each is peeled and decided in order (failed at once, handed to the registry,
   * or planned as a forward); the planned forwards are then stored, added and recorded together.
   */
  private async onIncomingGroup(items: readonly IncomingItem[], post: PostAction[]): Promise<void> {
    const planned: PlannedForward[] = [];
    const finals: (() => Promise<void>)[] = [];
    const seen = new Set<string>();
    for (const { link, htlc } of items) {
      if (this.links.get(link.channelId) === undefined) this.links.register(link);
      // The same HTLC twice in one group: the first report's processing answers both.
      const key = forwardCircuitKey(link.channelId, htlc.id);
      if (seen.has(key)) continue;
      seen.add(key);
      const next = await this.onIncoming(link, htlc, post);
      if (next?.kind === 'forward') planned.push(next.planned);
      else if (next?.kind === 'final') finals.push(next.resolve);
    }
    await this.forward(planned);
    // The registry's answers, handed to the links together (one channel write for a burst).
    await settleAll(finals.map((resolve) => resolve()));
  }

  /**
   * Decides an incoming HTLC; returns what is left to do: the forward to make, or the registry's
   * answer to hand to the link.
   */
  private async onIncoming(
    link: ChannelLink,
    htlc: IncomingHtlc,
    post: PostAction[],
  ): Promise<
    { kind: 'forward'; planned: PlannedForward } | { kind: 'final'; resolve: () => Promise<void> } | undefined
  > {
    const existing = this.circuits.get(forwardCircuitKey(link.channelId, htlc.id));
    if (existing !== undefined) {
      // Reported again (after a restart or a reconnection): finish what the circuit owes upstream.
      await this.reconcile(existing, post);
      return undefined;
    }
    if (this.finals.isHeld(link.channelId, htlc.id)) return undefined;
    const refused = (failure: string, reason: string) =>
      this.emit({
        kind: 'forward_refused',
        incomingChannelId: link.channelId,
        incomingHtlcId: htlc.id,
        paymentHash: htlc.paymentHash,
        failure,
        reason,
      });

    if (htlc.pathKey !== undefined) {
      // BOLT 2: "If `path_key` is set in the incoming `update_add_htlc`:" "MUST send an
      // `update_fail_malformed_htlc` error using the `invalid_onion_blinding` failure code"
      await link.failMalformedHtlc(htlc.id, sha256(htlc.onion), failureCode('invalid_onion_blinding'));
      refused('invalid_onion_blinding', 'this node does not relay blinded paths');
      return undefined;
    }
    const known = this.config.knownEvenTypes;
    const peeled = peelOnion(htlc.onion, this.config.nodePrivateKey, htlc.paymentHash, {
      ...(known === undefined ? {} : { knownEvenTypes: known }),
    });
    if (peeled.kind === 'malformed') {
      await link.failMalformedHtlc(htlc.id, peeled.sha256OfOnion, peeled.failureCode);
      refused(peeled.failure.name, peeled.reason);
    } else if (htlc.refuse !== undefined) {
      // The channel layer's verdict, taken when the HTLC was first committed (a repeat of an HTLC
      // with a circuit or a held record returned above, so one we already acted on is never failed).
      const failure = this.incomingChannelFailure(link);
      const back = ourFailure(peeled.sharedSecret, failure, this.attribution, 0);
      await link.failHtlc(htlc.id, back.reason, back.attributionData);
      refused(failure.name, htlc.refuse.why);
    } else if (peeled.kind === 'invalid_payload') {
      const back = ourFailure(peeled.sharedSecret, peeled.failure, this.attribution, 0);
      await link.failHtlc(htlc.id, back.reason, back.attributionData);
      refused(peeled.failure.name, peeled.reason);
    } else if (peeled.kind === 'final') {
      const resolve = await this.finals.receive(link, htlc, peeled, this.height);
      if (resolve !== undefined) return { kind: 'final', resolve };
    } else {
      const decided = await this.onForward(link, htlc, peeled);
      if (decided.kind === 'forward') return decided;
      refused(decided.failure, decided.reason);
    }
    return undefined;
  }

  /**
   * The failure for an HTLC the incoming channel itself cannot keep: temporary_channel_failure,
   * BOLT 4: "The channel from the processing node was unable to handle this HTLC, but may be able
   * to handle it, or others, later." It carries this channel's channel_update, named by its real
   * short_channel_id (else our alias, which is what the payer's route hint named).
   */
  private incomingChannelFailure(link: ChannelLink): OnionFailure & { name: 'temporary_channel_failure' } {
    const scid = link.shortChannelId ?? link.aliases[0];
    return {
      name: 'temporary_channel_failure',
      channelUpdate: scid === undefined ? NO_UPDATE : link.channelUpdate(scid),
    };
  }

  /** Plans the forward of a peeled HTLC, or fails it at once and says why. */
  private async onForward(
    link: ChannelLink,
    htlc: IncomingHtlc,
    peeled: PeeledForward,
  ): Promise<
    { kind: 'forward'; planned: PlannedForward } | { kind: 'refused'; failure: string; reason: string }
  > {
    const { payload } = peeled;
    const incoming = { amountMsat: htlc.amountMsat, cltvExpiry: htlc.cltvExpiry };
    const requested = this.links.lookup(payload.shortChannelId);
    let decision: ForwardDecision = decideForward(
      incoming,
      payload,
      requested.view,
      this.height,
      this.limits,
    );
    let outLink = requested.link;
    if (decision.kind === 'fail' && requested.link !== undefined && isChannelStateFailure(decision.failure)) {
      // BOLT 4: "A node MAY forward an HTLC along an outgoing channel other than the one
      // specified by `short_channel_id`, so long as the receiver has the same node public key
      // intended by `short_channel_id`." Only over a channel whose own policy the HTLC meets.
      for (const alt of this.links.samePeer(requested.link)) {
        const d = decideForward(
          incoming,
          payload,
          this.links.view(alt.link, alt.shortChannelId),
          this.height,
          this.limits,
        );
        if (d.kind === 'forward') {
          decision = d;
          outLink = alt.link;
          break;
        }
      }
    }
    if (decision.kind === 'fail' || outLink === undefined) {
      const failure = decision.kind === 'fail' ? decision.failure : ({ name: 'unknown_next_peer' } as const);
      const back = ourFailure(peeled.sharedSecret, failure, this.attribution, 0);
      await link.failHtlc(htlc.id, back.reason, back.attributionData);
      const reason = decision.kind === 'fail' ? decision.reason : 'no link';
      return { kind: 'refused', failure: failure.name, reason };
    }
    const circuit: ForwardCircuit = {
      kind: 'forward',
      state: 'adding',
      forwardId: 0,
      paymentHash: htlc.paymentHash,
      incomingChannelId: link.channelId,
      incomingHtlcId: htlc.id,
      incomingAmountMsat: htlc.amountMsat,
      incomingCltvExpiry: htlc.cltvExpiry,
      sharedSecret: peeled.sharedSecret,
      outgoingChannelId: outLink.channelId,
      // BOLT 4: "MUST set `short_channel_id` to the `short_channel_id` used by the incoming onion."
      // (in a failure's channel_update), also when the HTLC went out over another channel.
      outgoingShortChannelId: payload.shortChannelId,
      outgoingHtlcId: null,
      outgoingAmountMsat: decision.amountMsat,
      outgoingCltvExpiry: decision.cltvExpiry,
      createdAt: this.config.now(),
    };
    return { kind: 'forward', planned: { link, circuit, outLink, onion: peeled.nextPacket } };
  }

  /**
   * Stores the circuits of planned forwards (one transaction), offers their outgoing HTLCs all at
   * once, and records the ids the channels gave them (one transaction); a refused add fails back.
   */
  private async forward(planned: readonly PlannedForward[]): Promise<void> {
    if (planned.length === 0) return;
    const created = await this.circuitStore.createForwards(planned.map((p) => p.circuit));
    const adding: { c: ForwardCircuit; outLink: ChannelLink; onion: Uint8Array }[] = [];
    for (const [i, p] of planned.entries()) {
      const r = created[i]!;
      if (r.kind === 'created') {
        this.index(r.circuit);
        adding.push({ c: r.circuit, outLink: p.outLink, onion: p.onion });
        continue;
      }
      // Reported again after its circuit was pruned: the channel layer should not do this. A failed
      // forward is failed again; a settled one cannot be settled again (the preimage went with it).
      const status = r.existing?.status;
      this.anomaly(
        `incoming HTLC ${htlcRef(p.link.channelId, p.circuit.incomingHtlcId)} reported again after its forward was ${status}`,
      );
      if (status === 'settled') continue;
      const back = ourFailure(
        p.circuit.sharedSecret,
        { name: 'temporary_node_failure' },
        this.attribution,
        0,
      );
      await p.link.failHtlc(p.circuit.incomingHtlcId, back.reason, back.attributionData);
    }
    const results = await Promise.all(adding.map((a) => this.offer(a.c, a.outLink, a.onion)));
    const accepted: { c: Circuit; htlcId: bigint }[] = [];
    for (const [i, result] of results.entries())
      if (result.kind === 'accepted') accepted.push({ c: adding[i]!.c, htlcId: result.htlcId });
    await this.recordOutgoingIds(accepted);
    const upstream: Upstream[] = [];
    for (const [i, result] of results.entries()) {
      if (result.kind === 'accepted') continue;
      const { c, outLink } = adding[i]!;
      const failure: OnionFailure =
        result.reason === 'closing'
          ? { name: 'permanent_channel_failure' }
          : {
              name: 'temporary_channel_failure',
              channelUpdate: outLink.channelUpdate(c.outgoingShortChannelId),
            };
      this.failUpstream(c, failure, `outgoing channel refused the HTLC: ${result.reason}`, upstream, []);
    }
    await this.resolveUpstream(upstream);
  }

  /** Offers the outgoing HTLC of a stored circuit (state 'adding'); never throws. */
  private async offer(c: ForwardCircuit, outLink: ChannelLink, onion: Uint8Array): Promise<AddHtlcResult> {
    const origin = circuitOrigin(c);
    try {
      return await outLink.addHtlc({
        amountMsat: c.outgoingAmountMsat,
        paymentHash: c.paymentHash,
        cltvExpiry: c.outgoingCltvExpiry,
        onion,
        origin,
      });
    } catch (e) {
      // The channel layer failed mid-add: ask it whether the HTLC exists rather than guess.
      this.anomaly(`addHtlc threw for forward ${c.forwardId}: ${(e as Error).message}`);
      const id = outLink.outgoingHtlcIdByOrigin(origin);
      return id === undefined ? { kind: 'refused', reason: 'link_down' } : { kind: 'accepted', htlcId: id };
    }
  }

  /** Records the ids the channels gave our outgoing HTLCs, in one transaction. */
  private async recordOutgoingIds(added: readonly { c: Circuit; htlcId: bigint }[]): Promise<void> {
    if (added.length === 0) return;
    for (const { c, htlcId } of added) {
      c.outgoingHtlcId = htlcId;
      c.state = 'in_flight';
    }
    await this.circuitStore.saveMany(
      added.map(({ c, htlcId }) => ({ circuit: c, forward: { status: 'pending', outgoingHtlcId: htlcId } })),
    );
    for (const { c, htlcId } of added) {
      this.index(c);
      if (c.kind === 'forward') {
        this.emit({
          kind: 'forward_added',
          forwardId: c.forwardId,
          outgoingChannelId: c.outgoingChannelId,
          outgoingHtlcId: htlcId,
        });
      }
    }
  }

  /**
   * Decides a circuit's end with a failure this node creates: for a forward, the failure to send
   * upstream (added to `upstream`); for our own HTLC, its outcome (delivered by a `post` action).
   */
  private failUpstream(
    c: Circuit,
    failure: OnionFailure,
    description: string,
    upstream: Upstream[],
    post: PostAction[],
  ): void {
    if (c.kind === 'local') {
      this.setOutcome(c, { kind: 'failed', failure: { kind: 'closed', why: description } }, post);
      return;
    }
    const hold = holdTime(c.createdAt, this.config.now());
    const back = ourFailure(c.sharedSecret, failure, this.attribution, hold);
    this.decideUpstream(c, { kind: 'fail', ...back, description }, upstream);
  }

  /** `failUpstream`, with a forward's failure stored and handed over at once. */
  private async failNow(c: Circuit, failure: OnionFailure, description: string, post: PostAction[]) {
    const upstream: Upstream[] = [];
    this.failUpstream(c, failure, description, upstream, post);
    await this.resolveUpstream(upstream);
  }

  /**
   * Takes a forward's upstream resolution now (so that a later input in the same group sees it),
   * to be stored and handed over by `resolveUpstream`.
   */
  private decideUpstream(c: ForwardCircuit, u: UpstreamResolution, upstream: Upstream[]): void {
    c.upstream = u;
    c.state = 'resolving';
    upstream.push({ c, u });
  }

  /**
   * Stores decided upstream resolutions with their forwards' outcomes (one transaction), then hands
   * them all to their incoming links at once.
   */
  private async resolveUpstream(upstream: readonly Upstream[]): Promise<void> {
    if (upstream.length === 0) return;
    const resolvedAt = this.config.now();
    await this.circuitStore.saveMany(
      upstream.map(({ c, u }) => ({
        circuit: c,
        forward:
          u.kind === 'fulfill'
            ? { status: 'settled', resolvedAt }
            : { status: 'failed', failureReason: u.description, resolvedAt },
      })),
    );
    for (const { c, u } of upstream) {
      if (u.kind === 'fulfill') {
        this.emit({
          kind: 'forward_settled',
          forwardId: c.forwardId,
          incomingAmountMsat: c.incomingAmountMsat,
          outgoingAmountMsat: c.outgoingAmountMsat,
          feeMsat: c.incomingAmountMsat - c.outgoingAmountMsat,
        });
      } else {
        this.emit({ kind: 'forward_failed', forwardId: c.forwardId, reason: u.description });
      }
    }
    await settleAll(upstream.map(({ c }) => this.sendUpstream(c)));
  }

  /** Hands a stored resolution to the incoming link if it is registered (else addLink will). */
  private async sendUpstream(c: ForwardCircuit): Promise<void> {
    const u = c.upstream;
    const link = this.links.get(c.incomingChannelId);
    if (u === undefined || c.state !== 'resolving' || link === undefined) return;
    if (u.kind === 'fulfill') await link.fulfillHtlc(c.incomingHtlcId, u.preimage, u.attributionData);
    else await link.failHtlc(c.incomingHtlcId, u.reason, u.attributionData);
    // Not written: the channel stored the removal before the call returned, and a circuit found
    // 'resolving' after a restart hands the same resolution over again, which the link ignores
    // (its removals are idempotent). A disk sync less per forward.
    c.state = 'resolved';
  }

  // ---------------------------------------------------------------- our own payments

  /**
   * HTLCs of our payments: each is checked in order; the circuits of those that may go are stored
   * (one transaction), their adds offered all at once, and the ids given recorded (one transaction).
   */
  private async onSendGroup(items: readonly SendItem[]): Promise<void> {
    const adding: { item: SendItem; c: LocalCircuit; link: ChannelLink }[] = [];
    for (const item of items) {
      const r = item.request;
      const checked = this.checkSend(r);
      if (checked.kind === 'result') {
        item.result = checked.result;
        continue;
      }
      const c: LocalCircuit = {
        kind: 'local',
        state: 'adding',
        ref: r.ref,
        paymentHash: r.paymentHash,
        outgoingChannelId: checked.link.channelId,
        outgoingShortChannelId: r.shortChannelId,
        outgoingHtlcId: null,
        outgoingAmountMsat: r.amountMsat,
        outgoingCltvExpiry: r.cltvExpiry,
        createdAt: this.config.now(),
      };
      // Indexed now, so that a second request with this ref in the group is 'already_sent'.
      this.index(c);
      adding.push({ item, c, link: checked.link });
    }
    if (adding.length === 0) return;
    try {
      await this.circuitStore.saveMany(adding.map((a) => ({ circuit: a.c })));
    } catch (e) {
      for (const a of adding) this.circuits.delete(circuitKey(a.c));
      throw e;
    }
    const results = await Promise.allSettled(
      adding.map(({ item: { request: r }, c, link }) =>
        link.addHtlc({
          amountMsat: r.amountMsat,
          paymentHash: r.paymentHash,
          cltvExpiry: r.cltvExpiry,
          onion: r.onion,
          origin: circuitOrigin(c),
        }),
      ),
    );
    const accepted: { c: Circuit; htlcId: bigint }[] = [];
    for (const [i, settled] of results.entries()) {
      const { item, c } = adding[i]!;
      if (settled.status === 'rejected') {
        // As if this request had been alone: its caller gets the error, its circuit stays stored.
        item.failed = { error: settled.reason };
        continue;
      }
      const result = settled.value;
      if (result.kind === 'accepted') {
        accepted.push({ c, htlcId: result.htlcId });
        item.result = { kind: 'sent', htlcId: result.htlcId };
        continue;
      }
      await this.forget(c);
      const failure: OnionFailure =
        result.reason === 'closing'
          ? { name: 'permanent_channel_failure' }
          : { name: 'temporary_channel_failure', channelUpdate: NO_UPDATE };
      item.result = {
        kind: 'refused',
        failure,
        reason: `the channel refused the HTLC: ${result.reason}`,
      };
    }
    await this.recordOutgoingIds(accepted);
  }

  /** Whether an HTLC of ours may go out now: the link to add it on, or the answer without it. */
  private checkSend(
    r: SendHtlcRequest,
  ): { kind: 'go'; link: ChannelLink } | { kind: 'result'; result: SendHtlcResult } {
    if (this.circuits.has(localCircuitKey(r.ref)))
      return { kind: 'result', result: { kind: 'already_sent' } };
    const { link, view } = this.links.lookup(r.shortChannelId);
    const refused = (failure: OnionFailure, reason: string) =>
      ({ kind: 'result', result: { kind: 'refused', failure, reason } }) as const;
    if (view === 'closed')
      return refused({ name: 'permanent_channel_failure' }, `channel ${r.shortChannelId} is closed`);
    if (view === undefined || link === undefined) {
      return refused({ name: 'unknown_next_peer' }, `no channel with short_channel_id ${r.shortChannelId}`);
    }
    if (!view.usable) {
      return refused(
        { name: 'temporary_channel_failure', channelUpdate: NO_UPDATE },
        'the peer is not connected',
      );
    }
    return { kind: 'go', link };
  }

  /**
   * Tells the payment loop (outside the queue) that an HTLC of ours in flight on a closed channel
   * now resolves on chain: not failed, since the peer may still claim it there.
   */
  private noticeOnChain(c: Circuit, post: PostAction[]): void {
    const sink = this.config.payments;
    if (c.kind !== 'local' || c.state !== 'in_flight' || c.outgoingHtlcId === null) return;
    if (sink.onHtlcOnChain === undefined || !this.links.isClosed(c.outgoingChannelId)) return;
    const why = `channel ${bytesToHex(c.outgoingChannelId)} closed with HTLC ${c.outgoingHtlcId} unresolved`;
    post.push(() => sink.onHtlcOnChain?.(c.ref, why) ?? Promise.resolve());
  }

  /**
   * Takes a local HTLC's outcome, then (outside the queue) tells the payment loop. Not written to
   * the circuit: an outcome from the channel stays in the driver's outbox until this input has
   * finished (the payment loop has recorded it and the circuit is deleted), and is delivered again
   * after a restart; one this switch decides itself (an add that never happened) is decided the
   * same way again. A disk sync less per payment.
   */
  private setOutcome(c: LocalCircuit, outcome: LocalHtlcOutcome, post: PostAction[]): void {
    c.outcome = outcome;
    c.state = 'resolving';
    post.push(() => this.deliver(c));
  }

  private async deliver(c: LocalCircuit): Promise<void> {
    if (c.outcome === undefined) return;
    await this.config.payments.onHtlcResolved(c.ref, c.outcome);
    await this.grouped('forget', { c });
  }

  /** Circuits of ours whose outcomes the payment loop has taken, deleted together. */
  private async onForgetGroup(items: readonly ForgetItem[]): Promise<void> {
    const gone: Circuit[] = [];
    for (const { c } of items) {
      if (this.circuits.get(circuitKey(c)) !== c || c.state !== 'resolving') continue;
      c.state = 'resolved';
      gone.push(c);
    }
    await this.forgetAll(gone);
  }

  // ---------------------------------------------------------------- restart

  /** Brings a loaded (or reported again) circuit forward as far as the registered links allow. */
  private async reconcile(c: Circuit, post: PostAction[]): Promise<void> {
    if (c.state === 'adding') {
      const link = this.links.get(c.outgoingChannelId);
      if (link === undefined) return; // it may register later; blockConnected keeps the deadline
      const id = link.outgoingHtlcIdByOrigin(circuitOrigin(c));
      if (id !== undefined) {
        await this.recordOutgoingIds([{ c, htlcId: id }]);
        return;
      }
      const failure: OnionFailure = {
        name: 'temporary_channel_failure',
        channelUpdate: link.channelUpdate(c.outgoingShortChannelId),
      };
      await this.failNow(c, failure, 'the outgoing HTLC was never added (the node stopped first)', post);
      return;
    }
    if (c.state !== 'resolving') return;
    if (c.kind === 'forward') await this.sendUpstream(c);
    else post.push(() => this.deliver(c));
  }
}
