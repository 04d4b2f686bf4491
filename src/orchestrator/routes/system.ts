/** Health and metrics. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.ts';

export function systemRoutes(app: FastifyInstance, { store, metrics }: RouteContext): void {
  app.get('/healthz', async () => {
    await store.nextLeaseExpiry(); // a cheap read: proves the database answers
    return { ok: true };
  });

  app.get('/metrics', async (_request, reply) =>
    reply
      .header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
      .send(await metrics.render(store)),
  );
}
