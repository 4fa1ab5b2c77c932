// src/htlcswitch/circuit-store.ts: circuits and closed-channel marks in the key-value store, with the
// forwarding history row (forwards table) written in the same transaction as its circuit.
import { bytesToHex } from '../crypto/index.js';
import {
  DuplicateError,
  type ForwardRecord,
  type ForwardUpdate,
  type Store,
  type StoreTx,
} from '../store/index.js';
import { type Circuit, circuitKey, decodeCircuit, encodeCircuit, type ForwardCircuit } from './circuit.js';

/** The key-value namespace the switch owns. */
export const SWITCH_KV_NAMESPACE = 'htlcswitch';
const CIRCUITS = 'c/';
const CLOSED = 'closed/';

export type CreateForwardResult =
  | { kind: 'created'; circuit: ForwardCircuit }
  /** The incoming HTLC already has a forwarding history row (its circuit was pruned). */
  | { kind: 'duplicate'; existing: ForwardRecord | undefined };

export class CircuitStore {
  constructor(private readonly store: Store) {}

  private kv(tx: StoreTx) {
    return tx.kv(SWITCH_KV_NAMESPACE);
  }

  /** Every stored circuit and the channel ids (hex) marked closed. */
  async load(): Promise<{ circuits: Circuit[]; closedChannels: string[] }> {
    const kv = this.kv(this.store);
    const circuits = (await kv.list(CIRCUITS)).map((e) => decodeCircuit(e.value));
    const closedChannels = (await kv.list(CLOSED)).map((e) => e.key.slice(CLOSED.length));
    return { circuits, closedChannels };
  }

  /**
   * Writes a new forward circuit and its forwards row (status pending) in one transaction; the
   * circuit gets the row's id. `circuit.forwardId` is ignored.
   */
  async createForward(circuit: ForwardCircuit): Promise<CreateForwardResult> {
    return (await this.createForwards([circuit]))[0]!;
  }

  /**
   * `createForward` for several circuits (the forwards of one batch of incoming HTLCs), all in one
   * transaction, results in the same order.
   */
  createForwards(circuits: readonly ForwardCircuit[]): Promise<CreateForwardResult[]> {
    return this.store.transaction(async (tx) => {
      const out: CreateForwardResult[] = [];
      for (const circuit of circuits) out.push(await this.createIn(tx, circuit));
      return out;
    });
  }

  private async createIn(tx: StoreTx, circuit: ForwardCircuit): Promise<CreateForwardResult> {
    let id: number;
    try {
      const row = await tx.forwards.create({
        paymentHash: circuit.paymentHash,
        incomingChannelId: circuit.incomingChannelId,
        incomingHtlcId: circuit.incomingHtlcId,
        outgoingChannelId: circuit.outgoingChannelId,
        outgoingHtlcId: null,
        incomingAmountMsat: circuit.incomingAmountMsat,
        outgoingAmountMsat: circuit.outgoingAmountMsat,
        createdAt: circuit.createdAt,
      });
      id = row.id;
    } catch (e) {
      // The insert did nothing (ON CONFLICT DO NOTHING): the transaction goes on with the others.
      if (!(e instanceof DuplicateError)) throw e;
      const existing = await tx.forwards.getByIncoming(circuit.incomingChannelId, circuit.incomingHtlcId);
      return { kind: 'duplicate', existing };
    }
    const created: ForwardCircuit = { ...circuit, forwardId: id };
    await this.kv(tx).put(CIRCUITS + circuitKey(created), encodeCircuit(created));
    return { kind: 'created', circuit: created };
  }

  /** Writes a circuit, and for a forward circuit the patch to its forwards row, in one transaction. */
  async save(circuit: Circuit, forward?: ForwardUpdate): Promise<void> {
    await this.saveMany([{ circuit, ...(forward === undefined ? {} : { forward }) }]);
  }

  /** `save` for several circuits in one transaction. */
  async saveMany(entries: readonly { circuit: Circuit; forward?: ForwardUpdate }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.store.transaction(async (tx) => {
      for (const { circuit, forward } of entries) {
        if (forward !== undefined && circuit.kind === 'forward')
          await tx.forwards.update(circuit.forwardId, forward);
        await this.kv(tx).put(CIRCUITS + circuitKey(circuit), encodeCircuit(circuit));
      }
    });
  }

  async delete(circuit: Circuit): Promise<void> {
    await this.deleteMany([circuit]);
  }

  /** Deletes circuits in one transaction. */
  async deleteMany(circuits: readonly Circuit[]): Promise<void> {
    if (circuits.length === 0) return;
    await this.store.transaction(async (tx) => {
      for (const c of circuits) await this.kv(tx).delete(CIRCUITS + circuitKey(c));
    });
  }

  async markClosed(channelId: Uint8Array): Promise<void> {
    await this.kv(this.store).put(`${CLOSED}${bytesToHex(channelId)}`, new Uint8Array([1]));
  }
}
