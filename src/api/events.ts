// src/api/events.ts: the node's events as server-sent events. One hub subscribes to the node and
// fans each event out to the connected streams; it keeps the last few so that a client that
// reconnects with `Last-Event-ID` misses nothing that happened meanwhile. It listens only while a
// stream is open and for a grace period after the last one closed: with nobody listening the node
// builds no event views (a payment's view per payment event, a channel's per change), which cost
// the sender about a sixth of its CPU per keysend (bench/keysend).
import type { NodeEventType, NodeFacade } from './node-facade.js';
import { eventToJson } from './to-json.js';

/** One SSE frame: the id lets clients resume, the event name lets EventSource route it. */
export function sseFrame(id: number, type: string, data: unknown): string {
  // JSON.stringify escapes line breaks inside strings, so `data` is one line as SSE requires.
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment frame: ignored by EventSource, keeps proxies and idle timers from closing the stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

export interface EventClient {
  /** Writes a frame; returns false when the client cannot keep up and should be dropped. */
  write(frame: string): boolean;
  close(): void;
  /** Only these event types (all when undefined). */
  types?: ReadonlySet<NodeEventType>;
}

interface Stored {
  id: number;
  type: NodeEventType;
  frame: string;
}

export class EventHub {
  private readonly clients = new Set<EventClient>();
  private readonly recent: Stored[] = [];
  private nextId = 1;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly facade: NodeFacade,
    private readonly keep = 256,
    /**
     * How long the hub keeps listening after the last stream closed: a client that reconnects
     * with `Last-Event-ID` within it misses nothing. One away longer may have missed events and
     * should re-read what it shows (GET) when it reconnects.
     */
    private readonly graceMs = 60_000,
  ) {}

  /** Lets streams in; the hub subscribes to the node when the first one opens. */
  start(): void {
    this.started = true;
    if (this.clients.size > 0) this.listen();
  }

  /** Whether the hub is subscribed to the node now. */
  get listening(): boolean {
    return this.unsubscribe !== undefined;
  }

  private listen(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.unsubscribe !== undefined || !this.started) return;
    this.unsubscribe = this.facade.subscribe((event) => {
      const id = this.nextId++;
      const stored: Stored = { id, type: event.type, frame: sseFrame(id, event.type, eventToJson(event)) };
      this.recent.push(stored);
      if (this.recent.length > this.keep) this.recent.shift();
      for (const c of [...this.clients]) this.deliver(c, stored);
    });
  }

  /** After the last stream left: stop listening once the grace period passed without a new one. */
  private idle(): void {
    if (this.clients.size > 0 || this.idleTimer !== undefined || this.unsubscribe === undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.clients.size > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }, this.graceMs);
    this.idleTimer.unref();
  }

  stop(): void {
    this.started = false;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const c of [...this.clients]) this.drop(c);
  }

  /** The id of the newest event so far (0 before the first). */
  get lastEventId(): number {
    return this.nextId - 1;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Adds a stream; with `lastEventId` it first gets the kept events after that id. Returns the
   * function that removes it.
   */
  add(client: EventClient, lastEventId?: number): () => void {
    this.clients.add(client);
    this.listen();
    if (lastEventId !== undefined) {
      for (const s of this.recent) if (s.id > lastEventId) this.deliver(client, s);
    }
    return () => {
      this.clients.delete(client);
      this.idle();
    };
  }

  /** Sends a frame (a heartbeat) to every stream. */
  broadcast(frame: string): void {
    for (const c of [...this.clients]) if (!c.write(frame)) this.drop(c);
  }

  private deliver(c: EventClient, s: Stored): void {
    if (c.types !== undefined && !c.types.has(s.type)) return;
    if (!c.write(s.frame)) this.drop(c);
  }

  private drop(c: EventClient): void {
    this.clients.delete(c);
    c.close();
    this.idle();
  }
}
