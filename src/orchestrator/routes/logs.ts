/** Job logs: workers append in batches (fenced by their lease token); anyone reads after a sequence number. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.ts';
import { idParams, logsBody, logsQuery } from './schemas.ts';
import { logView } from './serialize.ts';
import { parseInput } from './validate.ts';

export function logRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.post('/jobs/:id/logs', async (request) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const body = parseInput(logsBody, request.body, 'body');
    const { last_seq } = await store.appendLogs(id, body.entries, body.lease_token);
    return { appended: body.entries.length, last_seq };
  });

  app.get('/jobs/:id/logs', async (request) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const query = parseInput(logsQuery, request.query, 'query');
    const after = query.after ?? 0;
    const entries = await store.readLogs(id, after, query.limit ?? 1000);
    return { entries: entries.map(logView), next_after: entries.at(-1)?.seq ?? after };
  });
}
