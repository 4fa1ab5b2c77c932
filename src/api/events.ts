// src/api/events.ts: the node's events as server-sent events. One hub subscribes to the node and
// fans each event out to the connected streams; it keeps the last few so that a client that
// reconnects with `Last-Event-ID` misses nothing that happened meanwhile.
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

  constructor(
    private readonly facade: NodeFacade,
    private readonly keep = 256,
  ) {}

  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.facade.subscribe((event) => {
      const id = this.nextId++;
      const stored: Stored = { id, type: event.type, frame: sseFrame(id, event.type, eventToJson(event)) };
      this.recent.push(stored);
      if (this.recent.length > this.keep) this.recent.shift();
      for (const c of [...this.clients]) this.deliver(c, stored);
    });
  }

  stop(): void {
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
    if (lastEventId !== undefined) {
      for (const s of this.recent) if (s.id > lastEventId) this.deliver(client, s);
    }
    return () => {
      this.clients.delete(client);
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
  }
}
