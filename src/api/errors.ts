// src/api/errors.ts: every error the API answers with is `{ error: { code, message } }` with an
// HTTP status that means something; this file decides which status goes with which code.
import type { NodeErrorCode } from './node-facade.js';

/** Codes the API itself produces, besides the node's. */
export type ApiErrorCode =
  | NodeErrorCode
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  invalid_request: 400,
  invalid_custom_record: 400,
  invalid_invoice: 400,
  wrong_network: 400,
  amount_required: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  idempotency_key_reused: 409,
  already_paid: 409,
  payment_in_flight: 409,
  channel_state: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  insufficient_funds: 422,
  no_route: 422,
  records_too_large: 422,
  keysend_not_supported: 422,
  invoice_expired: 422,
  unsupported_invoice_features: 422,
  peer_not_connected: 422,
  rate_limited: 429,
  internal: 500,
  no_signing_key: 500,
  peer_unreachable: 502,
  unavailable: 503,
  timeout: 504,
};

/** The HTTP status for a code. */
export function httpStatusOf(code: ApiErrorCode): number {
  return STATUS[code];
}

/** Every code with its status, for the OpenAPI document. */
export const ERROR_STATUSES: Readonly<Record<ApiErrorCode, number>> = STATUS;

/** An error the server turns into a response as is. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get status(): number {
    return httpStatusOf(this.code);
  }
}
