/**
 * The HTTP app factory. Builds a Fastify instance around a store; does no I/O until `listen`.
 * Routes are thin: parse with zod, call one store verb, serialise. Errors map to HTTP in
 * routes/errors.ts. The reaper is started by the composition root, not here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { createClaimWaiter } from './claim-waiter.ts';
import type { Clock } from './clock.ts';
import { Metrics } from './metrics.ts';
import { UnauthorizedError } from './models/errors.ts';
import { installJsonBodyParser } from './routes/body-parser.ts';
import type { RouteContext } from './routes/context.ts';
import { installErrorHandling } from './routes/errors.ts';
import { eventRoutes } from './routes/events.ts';
import { jobRoutes } from './routes/jobs.ts';
import { leaseRoutes } from './routes/leases.ts';
import { logRoutes } from './routes/logs.ts';
import { systemRoutes } from './routes/system.ts';
import type { Store } from './store/store.ts';

export interface ServerOptions {
  store: Store;
  clock: Clock;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  defaultLeaseMs?: number;
  bodyLimit?: number;
  logger?: FastifyServerOptions['logger'];
  /** How often a waiting claim re-checks the store without a wake-up. */
  claimRecheckMs?: number;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function bearerCheck(token: string): (header: string | undefined) => boolean {
  const expected = digest(`Bearer ${token}`);
  return (header) => header !== undefined && timingSafeEqual(digest(header), expected);
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const metrics = new Metrics();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    return503OnClosing: true,
    // A path Fastify cannot route (bad percent-encoding, an over-long id) is a bad request in the
    // API's own shape, not Fastify's default body with its internal code (and a 414).
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      metrics.recordError('validation_failed');
      void reply.status(400).send({ error: error.message, code: 'validation_failed' });
    },
  });
  const closing = new AbortController();
  const ctx: RouteContext = {
    store: options.store,
    clock: options.clock,
    metrics,
    claims: createClaimWaiter(options.store, options.claimRecheckMs),
    defaultLeaseMs: options.defaultLeaseMs ?? 60_000,
    closing: closing.signal,
  };

  installJsonBodyParser(app);
  installErrorHandling(app, (code) => metrics.recordError(code));
  if (options.token) {
    const authorized = bearerCheck(options.token);
    app.addHook('onRequest', async (request) => {
      if (!authorized(request.headers.authorization)) throw new UnauthorizedError();
    });
  }
  app.addHook('preClose', async () => closing.abort());

  jobRoutes(app, ctx);
  leaseRoutes(app, ctx);
  logRoutes(app, ctx);
  eventRoutes(app, ctx);
  systemRoutes(app, ctx);
  return app;
}
