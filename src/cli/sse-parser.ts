// src/cli/sse-parser.ts: reads a text/event-stream (the WHATWG server-sent events format) from
// chunks of text as they arrive. Pure: no I/O, chunks may split lines anywhere.

export interface SseMessage {
  /** The `event` field; 'message' when absent. */
  event: string;
  data: string;
  /** The `id` field, when the frame had one. */
  id?: string;
}

export type SseItem = { kind: 'message'; message: SseMessage } | { kind: 'comment'; text: string };

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds a chunk; returns the complete messages and comments in it. */
  push(chunk: string): SseItem[] {
    this.buffer += chunk;
    const out: SseItem[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      // A lone \r at the end might be the first half of \r\n: wait for more.
      if (m === null || (m[0] === '\r' && m.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.line(line, out);
    }
    return out;
  }

  private line(line: string, out: SseItem[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const message: SseMessage = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.id !== undefined) message.id = this.id;
        out.push({ kind: 'message', message });
      }
      this.event = '';
      this.data = [];
      this.id = undefined;
      return;
    }
    if (line.startsWith(':')) {
      out.push({ kind: 'comment', text: line.slice(1).trimStart() });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}
