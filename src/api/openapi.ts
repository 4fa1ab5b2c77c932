// src/api/openapi.ts: the OpenAPI 3.1 document, generated from the route table and its zod schemas
// (so it cannot describe a route that does not exist, or miss one that does).
//
// The document itself is served without a token: it holds the API's shape, no node data, and tools
// and the dashboard can read it before logging in.
import { z } from 'zod';
import { type ApiErrorCode, ERROR_STATUSES } from './errors.js';
import { ErrorJson, EventJson } from './json-schemas.js';
import type { ApiRoute } from './route-def.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** Errors any route may answer with. */
const COMMON_ERRORS: readonly ApiErrorCode[] = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'body_too_large',
  'internal',
];

/** `/v1/peers/:nodeId` -> `/v1/peers/{nodeId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function rewriteRefs(v: Json): Json {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (v === null || typeof v !== 'object') return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$ref' && typeof x === 'string') out[k] = x.replace('#/$defs/', '#/components/schemas/');
    else out[k] = rewriteRefs(x);
  }
  return out;
}

/** Collects named schemas into `components.schemas` and returns the (referencing) schema. */
class SchemaCollector {
  readonly components: Record<string, Json> = {};

  schema(s: z.ZodType, io: 'input' | 'output'): Json {
    const raw = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonObject;
    const { $schema: _, $defs, ...rest } = raw;
    if ($defs !== undefined && typeof $defs === 'object' && !Array.isArray($defs) && $defs !== null) {
      // Named schemas are either request or response shapes, never both, so ids do not collide.
      for (const [id, def] of Object.entries($defs)) this.components[id] = rewriteRefs(def);
    }
    return rewriteRefs(rest);
  }
}

function parameters(route: ApiRoute, collector: SchemaCollector): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (schema === undefined || !(schema instanceof z.ZodObject)) return;
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const required = where === 'path' || !field.safeParse(undefined).success;
      const js = collector.schema(field, 'input') as JsonObject;
      const p: JsonObject = { name, in: where, required, schema: js };
      if (typeof js.description === 'string') p.description = js.description;
      out.push(p);
    }
  };
  add('path', route.params);
  add('query', route.query);
  return out;
}

function errorResponses(route: ApiRoute): JsonObject {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of [...COMMON_ERRORS, ...route.errors]) {
    const status = ERROR_STATUSES[code];
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  const out: JsonObject = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `error codes: ${codes.join(', ')}`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function operation(route: ApiRoute, collector: SchemaCollector): JsonObject {
  const responseSchema = collector.schema(route.response, 'output');
  const success: JsonObject = {};
  for (const status of [200, ...(route.otherStatuses ?? [])]) {
    success[String(status)] = {
      description: status === 202 ? 'accepted: the work goes on (see the event stream)' : 'success',
      content: { 'application/json': { schema: responseSchema } },
    };
  }
  const op: JsonObject = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: [{ bearer: [] }],
    'x-ksnode-access': route.access,
    parameters: parameters(route, collector),
    responses: { ...success, ...errorResponses(route) },
  };
  if (route.description !== undefined) op.description = route.description;
  if (route.body !== undefined) {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: collector.schema(route.body, 'input') } },
    };
  }
  return op;
}

const API_DESCRIPTION = `The REST API of a ksnode daemon.

Authentication: every call (except this document and the dashboard's static files) needs
\`Authorization: Bearer <token>\`. The daemon writes two tokens into its data directory at first
start, readable only by its user: \`admin.token\` may call everything, \`readonly.token\` only the
GET routes and the event stream (operations are marked \`x-ksnode-access: read | admin\`).

Conventions: amounts are decimal strings of millisatoshis (\`...Msat\`) or satoshis (\`...Sat\`);
requests also accept JSON integers up to 2^53-1. Bytes (node ids, hashes, record values) are hex.
Short channel ids are \`BxTxO\`. Times are unix milliseconds. Errors are
\`{ "error": { "code", "message" } }\` with a meaningful status. Requests are limited in size
(64 KiB) and rate (per token; 429 with Retry-After).

Events: \`GET /v1/events\` is a text/event-stream. Each event has an increasing \`id\`, an \`event\`
name (its type) and JSON \`data\` (schema \`Event\`); a comment line is sent as a heartbeat. Pass
\`Last-Event-ID\` (or \`?lastEventId=\`) to receive the recent events missed since: the server
records events while a stream is open and for a minute after the last one closed, so a client
away longer re-reads what it shows. Browsers'
EventSource cannot send headers, so the token may also be given as \`?token=\`: that puts it in URLs
(history, logs of proxies), so prefer the header, or use the read-only token there.`;

/** The OpenAPI 3.1 document for `routes`. */
export function buildOpenApi(routes: readonly ApiRoute[], info: { version: string }): JsonObject {
  const collector = new SchemaCollector();
  const paths: Record<string, JsonObject> = {};
  for (const r of routes) {
    const p = openApiPath(r.path);
    const entry = paths[p] ?? {};
    entry[r.method.toLowerCase()] = operation(r, collector);
    paths[p] = entry;
  }
  paths['/v1/events'] = {
    get: {
      operationId: 'events',
      summary: 'Live event stream (server-sent events)',
      description:
        'text/event-stream of node events: invoice_settled, payment_updated, channel_changed, peer_changed, ' +
        'htlc_forwarded, sync_progress. Each frame: id, event (the type), data (JSON, schema Event).',
      tags: ['events'],
      security: [{ bearer: [] }, { queryToken: [] }],
      'x-ksnode-access': 'read',
      parameters: [
        {
          name: 'types',
          in: 'query',
          required: false,
          description: 'comma-separated event types to receive (all when omitted)',
          schema: { type: 'string' },
        },
        {
          name: 'lastEventId',
          in: 'query',
          required: false,
          description: 'resume after this event id (same as the Last-Event-ID header)',
          schema: { type: 'string', pattern: '^\\d+$' },
        },
        {
          name: 'token',
          in: 'query',
          required: false,
          description: 'the token, for EventSource (which cannot send headers)',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': {
          description: 'the stream; each data line is an Event',
          content: { 'text/event-stream': { schema: collector.schema(EventJson, 'output') } },
        },
        ...errorResponses({ errors: [] } as unknown as ApiRoute),
      },
    },
  };
  paths['/v1/openapi.json'] = {
    get: {
      operationId: 'openapi',
      summary: 'This document (no token needed)',
      tags: ['meta'],
      security: [],
      responses: { '200': { description: 'the OpenAPI 3.1 document', content: { 'application/json': {} } } },
    },
  };
  collector.schema(ErrorJson, 'output');
  return {
    openapi: '3.1.0',
    info: { title: 'ksnode API', version: info.version, description: API_DESCRIPTION },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      'node',
      'peers',
      'channels',
      'onchain',
      'payments',
      'invoices',
      'graph',
      'fees',
      'events',
      'meta',
    ].map((name) => ({ name })),
    paths,
    components: {
      schemas: collector.components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'admin.token or readonly.token' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'event stream only' },
      },
    },
  };
}
