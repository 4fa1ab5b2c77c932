// src/api/server.ts: the daemon's HTTP server (fastify): the REST routes of the route table behind
// bearer tokens and a rate limit, the event stream, the OpenAPI document and the dashboard's files.
// Safe by default: loopback only, every data call needs a token, bodies are small.
import { readFileSync } from 'node:fs';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ApiError, type ApiErrorCode, httpStatusOf } from './errors.js';
import { EventHub, sseComment } from './events.js';
import { NODE_EVENT_TYPES, type NodeEventType, type NodeFacade, NodeFacadeError } from './node-facade.js';
import { buildOpenApi } from './openapi.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.js';
import type { Access } from './route-def.js';
import { API_ROUTES } from './routes/index.js';
import { DASHBOARD_HEADERS, DEFAULT_WEB_DIR, loadStaticFiles } from './static-files.js';
import { type ApiTokens, loadOrCreateTokens, TokenChecker, type TokenRole } from './tokens.js';

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 8080;
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export interface ApiServerOptions {
  facade: NodeFacade;
  /** Where `admin.token` and `readonly.token` live (created at first start, mode 0600). */
  dataDir: string;
  /** Default 127.0.0.1: reachable from this machine only. */
  host?: string;
  /** Default 8080; 0 lets the OS choose (see `ApiServer.port`). */
  port?: number;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Per token (and per client address for failed logins, at a tenth of it). */
  rateLimit?: RateLimitOptions;
  bodyLimitBytes?: number;
  /** Heartbeat comment on event streams; default 15 s. */
  heartbeatMs?: number;
  maxEventStreams?: number;
  /** The dashboard's folder; false serves no dashboard. */
  webDir?: string | false;
  /** Request log lines go here (method, path without the query token, status, duration). */
  logger?: FastifyBaseLogger;
  /** Unix ms, for the rate limits. */
  clock?: () => number;
  /**
   * Called before a reply or a streamed event leaves: the node makes its store durable there, so
   * that no client learns of state a power loss could take back (see Store.flush).
   */
  beforeReply?: () => void;
}

export interface ApiServer {
  /** `http(s)://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly tokens: ApiTokens;
  /** The document served at /v1/openapi.json. */
  readonly openapi: Readonly<Record<string, unknown>>;
  /** Every route the server registered (HEAD routes aside), for checking the document covers them. */
  readonly routes: readonly { method: string; url: string }[];
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    ksnodeRole?: TokenRole;
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function sendError(
  reply: FastifyReply,
  code: ApiErrorCode,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .code(httpStatusOf(code))
    .headers({ 'cache-control': 'no-store', ...headers })
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: { code, message } }));
}

// Fastify's own errors (parsing, limits) in the API's words.
function fromFastifyError(
  err: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large', `request body is too large: the limit is ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_request', 'body: empty; send {} for no fields');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_request', `body: not valid JSON (${err.message})`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_request', 'Content-Length does not match the body');
  }
  // Other client errors (e.g. JSON syntax errors raised by the parser itself).
  if (err.statusCode === 400) return new ApiError('invalid_request', `bad request: ${err.message}`);
  return undefined;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

const redactToken = (url: string): string => url.replace(/([?&]token=)[^&]*/g, '$1***');

/** Starts the API server; resolves once it listens. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? DEFAULT_API_HOST;
  const clock = options.clock ?? Date.now;
  const tokens = loadOrCreateTokens(options.dataDir);
  const checker = new TokenChecker(tokens);
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const perToken = new RateLimiter(limit);
  const perFailedClient = new RateLimiter({
    burst: Math.max(1, Math.floor(limit.burst / 10)),
    perSecond: limit.perSecond / 10,
  });
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const maxStreams = options.maxEventStreams ?? 64;
  const log = options.logger;

  const app: FastifyInstance = Fastify({
    bodyLimit,
    forceCloseConnections: true,
    ...(options.tls !== undefined ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  const registered: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      if (method !== 'HEAD') registered.push({ method, url: r.url });
    }
  });

  // JSON only: a text/plain body would otherwise reach the schemas as a string.
  app.removeContentTypeParser('text/plain');

  const beforeReply = options.beforeReply;
  if (beforeReply !== undefined) {
    app.addHook('onSend', (_req, _reply, payload, done) => {
      try {
        beforeReply();
      } catch (e) {
        done(e as Error);
        return;
      }
      done(null, payload);
    });
  }

  const hub = new EventHub(options.facade);
  hub.start();
  const heartbeat = setInterval(() => hub.broadcast(sseComment('heartbeat')), options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  const openapi = buildOpenApi(API_ROUTES, { version: packageVersion() });

  if (log !== undefined) {
    // Refused and failed requests at info; answered ones at debug (a busy node answers hundreds
    // a second, and each line costs the event loop).
    app.addHook('onResponse', async (req, reply) => {
      log[reply.statusCode < 400 ? 'debug' : 'info'](
        {
          method: req.method,
          url: redactToken(req.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'api request',
      );
    });
  }
  if (!isLoopback(host))
    log?.warn({ host }, 'the API listens beyond this machine: use TLS and keep the tokens safe');

  /** The auth and rate-limit step of a route, before its body is even read. */
  function guard(access: Access, allowQueryToken: boolean) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const header = req.headers.authorization;
      let presented: string | undefined;
      if (typeof header === 'string') {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (m === null) {
          return sendError(reply, 'unauthorized', 'Authorization must be "Bearer <token>"', {
            'www-authenticate': 'Bearer',
          });
        }
        presented = m[1];
      } else if (allowQueryToken) {
        const q = (req.query as Record<string, unknown> | undefined)?.token;
        if (typeof q === 'string') presented = q;
      }
      if (presented === undefined) {
        return sendError(
          reply,
          'unauthorized',
          'missing token: send "Authorization: Bearer <token>" with admin.token or readonly.token from the data directory',
          { 'www-authenticate': 'Bearer' },
        );
      }
      const role = checker.roleOf(presented);
      if (role === undefined) {
        const t = perFailedClient.take(req.ip, clock());
        if (!t.ok) {
          return sendError(reply, 'rate_limited', 'too many failed logins: wait and retry', {
            'retry-after': String(t.retryAfterSeconds),
          });
        }
        return sendError(reply, 'unauthorized', 'invalid token', {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
      if (access === 'admin' && role !== 'admin') {
        return sendError(
          reply,
          'forbidden',
          'this call needs the admin token; the read-only token may only read',
        );
      }
      const t = perToken.take(role, clock());
      if (!t.ok) {
        return sendError(reply, 'rate_limited', `too many requests: retry in ${t.retryAfterSeconds} s`, {
          'retry-after': String(t.retryAfterSeconds),
        });
      }
      req.ksnodeRole = role;
    };
  }

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err.code, err.message, { ...err.headers });
    if (err instanceof NodeFacadeError) return sendError(reply, err.code, err.message);
    const mapped = fromFastifyError(
      err as { code?: string; statusCode?: number; message: string },
      bodyLimit,
    );
    if (mapped !== undefined) return sendError(reply, mapped.code, mapped.message);
    log?.error({ err, method: req.method, url: redactToken(req.url) }, 'api handler failed');
    return sendError(reply, 'internal', 'internal error: see the daemon log');
  });

  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      'route_not_found',
      `no route ${req.method} ${redactToken(req.url).split('?')[0]}: see /v1/openapi.json`,
    ),
  );

  for (const route of API_ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      onRequest: guard(route.access, false),
      handler: async (req, reply) => {
        const abort = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        let status = 200;
        const result = await route.run(
          { params: req.params, query: req.query, body: req.body },
          {
            facade: options.facade,
            role: req.ksnodeRole ?? 'readonly',
            signal: abort.signal,
            setStatus: (s) => {
              status = s;
            },
          },
        );
        return reply
          .code(status)
          .header('cache-control', 'no-store')
          .type('application/json; charset=utf-8')
          .send(JSON.stringify(result));
      },
    });
  }

  app.get('/v1/events', { onRequest: guard('read', true) }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    let types: Set<NodeEventType> | undefined;
    if (typeof q.types === 'string' && q.types !== '') {
      types = new Set();
      for (const t of q.types.split(',')) {
        if (!(NODE_EVENT_TYPES as readonly string[]).includes(t)) {
          throw new ApiError(
            'invalid_request',
            `query.types: unknown event type "${t}"; known: ${NODE_EVENT_TYPES.join(', ')}`,
          );
        }
        types.add(t as NodeEventType);
      }
    }
    const last = req.headers['last-event-id'] ?? q.lastEventId;
    let lastEventId: number | undefined;
    if (last !== undefined) {
      if (typeof last !== 'string' || !/^\d{1,15}$/.test(last)) {
        throw new ApiError('invalid_request', 'Last-Event-ID: expected an event id (a decimal integer)');
      }
      lastEventId = Number(last);
    }
    if (hub.clientCount >= maxStreams) {
      throw new ApiError('unavailable', `too many event streams open (${maxStreams}); close one and retry`);
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // A client too slow to read 1 MiB of events is dropped rather than buffered without end.
    const remove = hub.add(
      {
        write: (frame) => {
          if (raw.destroyed || raw.writableLength > 1024 * 1024) return false;
          beforeReply?.();
          raw.write(frame);
          return true;
        },
        close: () => raw.end(),
        ...(types !== undefined ? { types } : {}),
      },
      lastEventId,
    );
    raw.write(`retry: 3000\n${sseComment(`ready, last event id ${hub.lastEventId}`)}`);
    raw.on('close', remove);
  });

  const openapiText = JSON.stringify(openapi);
  app.get('/v1/openapi.json', async (_req, reply) =>
    reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(openapiText),
  );

  if (options.webDir !== false) {
    for (const [path, file] of loadStaticFiles(options.webDir ?? DEFAULT_WEB_DIR)) {
      app.get(path, async (_req, reply) =>
        reply
          .headers({ ...DASHBOARD_HEADERS })
          .type(file.contentType)
          .send(Buffer.from(file.body)),
      );
    }
  }

  await app.listen({ host, port: options.port ?? DEFAULT_API_PORT });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address !== null ? address.port : (options.port ?? DEFAULT_API_PORT);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${options.tls !== undefined ? 'https' : 'http'}://${urlHost}:${port}`;

  let closed = false;
  return {
    url,
    port,
    tokens,
    openapi,
    routes: registered,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      hub.stop();
      await app.close();
    },
  };
}
