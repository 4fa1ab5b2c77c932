// src/api/route-def.ts: one REST route, declared once: method, path, who may call it, the schemas
// of its input and output, and its handler. The server registers routes from these declarations and
// the OpenAPI document is generated from the same ones.
import { z } from 'zod';
import { ApiError, type ApiErrorCode } from './errors.js';
import type { NodeFacade } from './node-facade.js';
import type { TokenRole } from './tokens.js';

/** read: the read-only token or the admin token; admin: the admin token only. */
export type Access = 'read' | 'admin';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteContext {
  facade: NodeFacade;
  /** Which token the caller presented. */
  role: TokenRole;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Overrides the success status (e.g. 202 for work that goes on after the answer). */
  setStatus(status: number): void;
}

interface RouteDoc {
  method: HttpMethod;
  /** fastify style: `/v1/peers/:nodeId`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  /** Success statuses besides 200 that the handler may choose. */
  otherStatuses?: readonly number[];
  /** Error codes specific to this route (auth, validation and internal errors apply to all). */
  errors: readonly ApiErrorCode[];
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>
  extends RouteDoc {
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  handle(
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
    ctx: RouteContext,
  ): Promise<z.output<R>>;
}

/** A declared route with its types erased, as the server and the document generator use it. */
export interface ApiRoute extends RouteDoc {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  run(raw: { params: unknown; query: unknown; body: unknown }, ctx: RouteContext): Promise<unknown>;
}

/** Names the field a schema issue is about: `body.records.65536`, or the part itself. */
function describeIssue(where: string, issue: z.core.$ZodIssue): string {
  const path = [where, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${path}: ${issue.message}`;
}

// A missing field gets "required" rather than the type's expectation.
const requiredFirst = (iss: z.core.$ZodRawIssue): string | undefined =>
  iss.code === 'invalid_type' && iss.input === undefined ? 'required' : undefined;

/** Parses one part of a request, or throws a 400 naming the first offending fields. */
export function parsePart<S extends z.ZodType>(where: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value, { error: requiredFirst });
  if (r.success) return r.data;
  const messages = r.error.issues.slice(0, 3).map((i) => describeIssue(where, i));
  throw new ApiError('invalid_request', messages.join('; '));
}

/** Declares a route; the handler sees parsed, typed input. */
export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodType,
>(def: RouteDef<P, Q, B, R>): ApiRoute {
  return {
    ...def,
    async run(raw, ctx) {
      const params = (def.params ? parsePart('path', def.params, raw.params) : undefined) as z.output<P>;
      const query = (def.query ? parsePart('query', def.query, raw.query ?? {}) : undefined) as z.output<Q>;
      const body = (def.body ? parsePart('body', def.body, raw.body ?? {}) : undefined) as z.output<B>;
      return def.handle({ params, query, body }, ctx);
    },
  };
}

/** An empty query or body: no fields allowed, so a typo is reported rather than ignored. */
export const noFields = z.strictObject({});
