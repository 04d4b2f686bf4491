/** What routes are given by the server factory: the store and a few settings, nothing global. */
import type { FastifyRequest } from 'fastify';
import type { ClaimWaiter } from '../claim-waiter.ts';
import type { Clock } from '../clock.ts';
import type { Metrics } from '../metrics.ts';
import { ValidationError } from '../models/errors.ts';
import type { Guard, Store } from '../store/store.ts';

export interface RouteContext {
  store: Store;
  clock: Clock;
  metrics: Metrics;
  claims: ClaimWaiter;
  defaultLeaseMs: number;
  /** Aborted when the server starts closing: long polls and event streams end early. */
  closing: AbortSignal;
}

/** `If-Match: "v7"` (or `7`) makes a change conditional on the job still being at version 7. */
export function guardFrom(request: FastifyRequest): Guard {
  const header = request.headers['if-match'];
  if (header === undefined || header === '*') return {};
  const match = /^\s*(?:W\/)?"?v?(\d{1,15})"?\s*$/.exec(String(header));
  if (!match) throw new ValidationError('If-Match must be an ETag this server gave out, such as "v3"');
  return { expectedVersion: Number(match[1]) };
}
