/**
 * The one table from domain error codes to HTTP, and the Fastify error handler that applies it.
 * Every error body has the same shape: `{ error, code, ...details }`.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { BatonError, type ErrorCode } from '../models/errors.ts';

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  invalid_transition: 409,
  stale_lease: 409,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  storage_unavailable: 503,
});

export interface ErrorBody {
  error: string;
  code: string;
  [detail: string]: unknown;
}

/** Called for every error answer, so /metrics can count conflicts and refusals by code. */
export type ErrorObserver = (code: string) => void;

/** Fastify's own errors (body parsing, limits) in our shape and codes. */
function fromFramework(error: FastifyError): { status: number; body: ErrorBody } | undefined {
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  if (status === 413)
    return { status, body: { error: 'Request body is larger than the limit', code: 'payload_too_large' } };
  if (status === 415) return { status, body: { error: error.message, code: 'unsupported_media_type' } };
  return { status: 400, body: { error: error.message, code: 'validation_failed' } };
}

export function installErrorHandling(app: FastifyInstance, observe: ErrorObserver): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (error instanceof BatonError) {
      status = HTTP_STATUS[error.code];
      body = { error: error.message, code: error.code, ...error.details };
    } else {
      const known = fromFramework(error);
      if (known) {
        ({ status, body } = known);
      } else {
        request.log.error({ err: error }, 'unhandled error');
        status = 500;
        body = { error: 'Internal server error', code: 'internal' };
      }
    }
    observe(body.code);
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    observe('not_found');
    return reply.status(404).send({
      error: `No route for ${request.method} ${request.url.split('?')[0]}`,
      code: 'not_found',
    } satisfies ErrorBody);
  });
}
