// src/api: the daemon's HTTP API: REST routes over a `NodeFacade`, bearer tokens, rate limits, an
// event stream (SSE), the OpenAPI document and the dashboard's files.
//
//   const api = await startApiServer({ facade, dataDir });      // 127.0.0.1:8080, tokens in dataDir
//   console.log(api.url, 'token:', api.tokens.admin);
//   await api.close();

export { ApiError, type ApiErrorCode, ERROR_STATUSES, httpStatusOf } from './errors.js';
export { type EventClient, EventHub, sseComment, sseFrame } from './events.js';
export * as ApiJson from './json-schemas.js';
export * from './node-facade.js';
export { buildOpenApi, openApiPath } from './openapi.js';
export { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions, type TakeResult } from './rate-limit.js';
export type { Access, ApiRoute, HttpMethod } from './route-def.js';
export { API_ROUTES } from './routes/index.js';
export {
  type ApiServer,
  type ApiServerOptions,
  DEFAULT_API_HOST,
  DEFAULT_API_PORT,
  DEFAULT_BODY_LIMIT_BYTES,
  startApiServer,
} from './server.js';
export { DEFAULT_WEB_DIR, loadStaticFiles } from './static-files.js';
export {
  ADMIN_TOKEN_FILE,
  type ApiTokens,
  loadOrCreateTokens,
  READONLY_TOKEN_FILE,
  TokenChecker,
  type TokenRole,
} from './tokens.js';
