/** The worker side: claim a job (optionally long-polling), renew, complete or hand back its lease. */
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../models/errors.ts';
import type { Job } from '../models/job.ts';
import { guardFrom, type RouteContext } from './context.ts';
import { claimQuery, completeBody, emptyBody, idParams, leaseBody, releaseBody } from './schemas.ts';
import { sendJob } from './serialize.ts';
import { parseInput } from './validate.ts';

export function leaseRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store } = ctx;

  app.post('/jobs/claim', async (request, reply) => {
    const query = parseInput(claimQuery, request.query, 'query');
    // Parameters go in the query; a body (say `{"worker_type": "gpu"}`) would otherwise be ignored
    // and the claim would take a job of another type.
    parseInput(emptyBody, request.body, 'body');
    // The client hanging up ends its long poll; so does the server closing. Both listeners live
    // only while the claim waits (AbortSignal.any would leak one registration per request on Node 20).
    const gone = new AbortController();
    const abort = () => gone.abort();
    reply.raw.once('close', abort);
    ctx.closing.addEventListener('abort', abort, { once: true });
    if (ctx.closing.aborted) gone.abort();
    let job: Job | undefined;
    try {
      job = await ctx.claims.claim(
        {
          workerType: query.worker_type ?? 'default',
          workerId: query.worker_id ?? request.ip,
          leaseMs: query.lease_ms ?? ctx.defaultLeaseMs,
        },
        query.wait_ms ?? 0,
        gone.signal,
      );
    } finally {
      reply.raw.off('close', abort);
      ctx.closing.removeEventListener('abort', abort);
    }
    if (!job) throw new NotFoundError('No claimable job', { worker_type: query.worker_type ?? 'default' });
    return sendJob(reply, job);
  });

  app.post('/jobs/:id/heartbeat', async (request) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const { lease_token } = parseInput(leaseBody, request.body, 'body');
    const job = await store.heartbeat(id, lease_token);
    return {
      lease_expires_at: new Date(job.lease_expires_at ?? 0).toISOString(),
      cancel_requested: job.cancel_requested,
    };
  });

  app.post('/jobs/:id/complete', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const body = parseInput(completeBody, request.body, 'body');
    const job = await store.complete(id, {
      status: body.status,
      result_summary: body.result_summary,
      conversation_id: body.conversation_id,
      leaseToken: body.lease_token,
      retryable: body.retryable,
      ...guardFrom(request),
    });
    return sendJob(reply, job);
  });

  app.post('/jobs/:id/release', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const body = parseInput(releaseBody, request.body, 'body');
    const job = await store.release(id, body.lease_token, { reason: body.reason });
    return sendJob(reply, job);
  });
}
