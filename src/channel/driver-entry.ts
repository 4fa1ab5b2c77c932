// src/channel/driver-entry.ts: what the driver keeps for one channel besides the machine's state,
// and the read-only snapshot the node sees of it.
import type { ChannelMeta } from './driver-store.js';
import type { ChannelSnapshot, OpenChannelResult } from './driver-types.js';
import { type HtlcRow, type IncomingOnion, isUsable, receivableMsat, spendableMsat } from './driver-view.js';
import type { ChannelInput, ChannelState, StepResult } from './types.js';

/** One channel in the driver. */
export interface Entry {
  readonly peer: Uint8Array;
  readonly peerHex: string;
  state: ChannelState;
  /** Stored version; 0 while the channel is not in the Store (before its funding outpoint). */
  version: number;
  meta: ChannelMeta;
  queue: Promise<unknown>;
  /** Inputs waiting for the same turn in the queue (see ChannelDriver.submit); undefined when closed. */
  batch: Batch | undefined;
  /** Cancels the scheduled commitment_signed, if one is scheduled. */
  signTimer: (() => void) | undefined;
  /** Our outgoing HTLCs' origins (from the switch), by HTLC id, and the reverse index. */
  origins: Map<bigint, Uint8Array>;
  originIndex: Map<string, bigint>;
  /**
   * Outbox keys of resolutions not yet taken by the node, with their HTLC ids. An HTLC's origin is
   * kept until its resolution is taken, even when the HTLC has left the channel: after a crash the
   * switch finds an HTLC it was adding by its origin, then takes the resolution.
   */
  undelivered: Map<string, bigint>;
  /** Onions of the peer's HTLCs, kept after the machine drops their update_add_htlc. */
  onions: Map<bigint, IncomingOnion>;
  /** The HTLC rows as last stored. */
  rows: Map<string, HtlcRow>;
  /** The funder's openChannel call, until the funding is broadcast or the opening fails. */
  open: { resolve: (r: OpenChannelResult) => void; reject: (e: Error) => void } | undefined;
  fundingFeeRateSatPerKw: bigint | undefined;
  watching: boolean;
}

/** Inputs stepped one after another in one turn of a channel's queue, and stored together. */
export interface Batch {
  items: BatchItem[];
}

export interface BatchItem {
  input: ChannelInput;
  extras: ApplyExtras;
  resolve(r: StepResult): void;
  reject(err: unknown): void;
}

/** What a step's persistence needs beyond the machine's result. */
export interface ApplyExtras {
  /** The origin of the HTLC this step added (persisted with it). */
  origin?: Uint8Array;
  /** The step records a peer update that promises nothing yet (see FORGETTABLE in driver.ts). */
  forgettable?: boolean;
}

/** A channel the driver has just created or loaded. */
export function newEntry(peer: Uint8Array, peerHex: string, state: ChannelState, meta: ChannelMeta): Entry {
  return {
    peer: Uint8Array.from(peer),
    peerHex,
    state,
    version: 0,
    meta,
    queue: Promise.resolve(),
    batch: undefined,
    signTimer: undefined,
    origins: new Map(),
    originIndex: new Map(),
    undelivered: new Map(),
    onions: new Map(),
    rows: new Map(),
    open: undefined,
    fundingFeeRateSatPerKw: undefined,
    watching: false,
  };
}

/** The node's read-only view of a channel. */
export function snapshotOf(e: Entry): ChannelSnapshot {
  const s = e.state;
  return {
    channelId: s.channelId ?? s.temporaryChannelId,
    temporary: s.channelId === undefined,
    peerNodeId: e.peer,
    state: s,
    usable: isUsable(s),
    spendableMsat: spendableMsat(s),
    receivableMsat: receivableMsat(s),
    createdAt: e.meta.createdAt,
  };
}
