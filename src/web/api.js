// api.js: the daemon's REST API and its event stream. The token goes in the Authorization header,
// also for the stream (read with fetch, not EventSource, so the token stays out of URLs).

export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  async request(method, path, body) {
    const headers = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiFailure(0, 'unreachable', `the node is unreachable (${e.message})`);
    }
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new ApiFailure(
        res.status,
        json.error?.code ?? 'http',
        json.error?.message ?? `HTTP ${res.status}`,
      );
    }
    return json;
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body = {}) {
    return this.request('POST', path, body);
  }
}

/** Minimal server-sent events reader: feed text, get { event, data, id } messages. */
export class SseReader {
  constructor() {
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.event = '';
    this.data = [];
    this.id = undefined;
  }

  push(text) {
    this.buffer += text;
    const out = [];
    for (let i = this.buffer.search(/\r\n|\n|\r/); i >= 0; i = this.buffer.search(/\r\n|\n|\r/)) {
      const sep = this.buffer.startsWith('\r\n', i) ? 2 : 1;
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + sep);
      if (line === '') {
        if (this.data.length > 0)
          out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.reset();
      } else if (!line.startsWith(':')) {
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (field === 'event') this.event = value;
        else if (field === 'data') this.data.push(value);
        else if (field === 'id') this.id = value;
      }
    }
    return out;
  }
}

/**
 * Follows /v1/events: calls onEvent(type, data) for each event and onState('live' | 'offline'),
 * reconnecting after a drop and resuming from the last event id. Returns a function that stops.
 */
export function followEvents(token, { onEvent, onState }) {
  let stopped = false;
  let lastId;
  let controller;
  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { authorization: `Bearer ${token}` };
        if (lastId !== undefined) headers['last-event-id'] = lastId;
        const res = await fetch('/v1/events', { headers, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        const sse = new SseReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of sse.push(decoder.decode(value, { stream: true }))) {
            if (m.id !== undefined) lastId = m.id;
            try {
              onEvent(m.event, JSON.parse(m.data));
            } catch (e) {
              console.error('event handler failed', e);
            }
          }
        }
      } catch (e) {
        if (stopped) return;
        console.warn('event stream dropped', e);
      }
      onState('offline');
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  }
  run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
