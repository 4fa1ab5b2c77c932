// src/cli/api-client.ts: the CLI's side of the daemon's HTTP API: JSON calls with the bearer token,
// and the event stream. node:http(s) rather than fetch so that a self-signed daemon certificate can
// be trusted explicitly (--tls-cert) without turning verification off.
import http from 'node:http';
import https from 'node:https';
import { type SseMessage, SseParser } from './sse-parser.js';

export interface ClientConfig {
  /** `http(s)://host:port`. */
  apiUrl: string;
  token: string;
  /** PEM of the daemon's certificate (or its CA), for HTTPS with a self-signed certificate. */
  tlsCa?: string;
}

/** The daemon answered with an error. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The daemon could not be reached at all. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

function requestOptions(config: ClientConfig, method: string, path: string, headers: Record<string, string>) {
  let url: URL;
  try {
    url = new URL(path, config.apiUrl);
  } catch {
    throw new UnreachableError(`--api ${config.apiUrl} is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnreachableError(`--api ${config.apiUrl}: expected an http:// or https:// URL`);
  }
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    headers: { authorization: `Bearer ${config.token}`, ...headers },
    ...(secure && config.tlsCa !== undefined ? { ca: config.tlsCa } : {}),
  };
  return { secure, options };
}

function unreachable(config: ClientConfig, e: Error): UnreachableError {
  return new UnreachableError(`cannot reach the daemon at ${config.apiUrl}: ${e.message}`);
}

/** One JSON call; resolves with the parsed body of a 2xx answer, rejects with ApiCallError otherwise. */
export function apiCall(
  config: ClientConfig,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { secure, options } = requestOptions(
      config,
      method,
      path,
      payload === undefined ? {} : { 'content-type': 'application/json' },
    );
    const req = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(unreachable(config, e)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? {} : JSON.parse(text);
        } catch {
          json = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300 && json !== undefined) return resolve(json);
        const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        reject(
          new ApiCallError(
            status,
            typeof err?.code === 'string' ? err.code : 'http_error',
            typeof err?.message === 'string' ? err.message : `HTTP ${status}: ${text.slice(0, 200)}`,
          ),
        );
      });
    });
    req.on('error', (e) => reject(unreachable(config, e)));
    req.end(payload);
  });
}

export interface EventStream {
  /** Resolves once the server has registered the stream (its `ready` comment). */
  ready: Promise<void>;
  /** Resolves when the stream ends (closed by either side); rejects if it could not open. */
  done: Promise<void>;
  close(): void;
}

/** Opens /v1/events and calls `onMessage` for each event. */
export function openEventStream(
  config: ClientConfig,
  query: string,
  onMessage: (m: SseMessage) => void,
): EventStream {
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    markReady = res;
    failReady = rej;
  });
  let req: http.ClientRequest | undefined;
  let closed = false;
  const done = new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      failReady(e);
      reject(e);
    };
    let opts: ReturnType<typeof requestOptions>;
    try {
      opts = requestOptions(config, 'GET', `/v1/events${query}`, { accept: 'text/event-stream' });
    } catch (e) {
      return fail(e as Error);
    }
    req = (opts.secure ? https : http).request(opts.options, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let message = `HTTP ${status}`;
          let code = 'http_error';
          try {
            const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              error: { code: string; message: string };
            };
            message = j.error.message;
            code = j.error.code;
          } catch {
            // not our JSON: keep the status
          }
          fail(new ApiCallError(status, code, message));
        });
        return;
      }
      const parser = new SseParser();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const item of parser.push(chunk)) {
          if (item.kind === 'comment' && item.text.startsWith('ready')) markReady();
          else if (item.kind === 'message') onMessage(item.message);
        }
      });
      res.on('end', () => {
        failReady(new UnreachableError('the event stream ended before it was ready'));
        resolve();
      });
      res.on('error', () => resolve());
    });
    req.on('error', (e) => (closed ? resolve() : fail(unreachable(config, e))));
    req.end();
  });
  // Nobody may be waiting on these: keep unhandled rejections quiet, callers see them when they await.
  ready.catch(() => {});
  done.catch(() => {});
  return {
    ready,
    done,
    close() {
      closed = true;
      req?.destroy();
    },
  };
}
