/** Job resources: create, read, list, history, and the person-facing actions (cancel, continue, retry, delete). */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../models/errors.ts';
import type { JobStatus } from '../models/job.ts';
import { guardFrom, type RouteContext } from './context.ts';
import { cleanupBody, continueBody, createJobSchema, emptyBody, idParams, listJobsQuery } from './schemas.ts';
import { etagOf, eventView, jobView, sendJob } from './serialize.ts';
import { parseInput } from './validate.ts';

const DAY_MS = 86_400_000;

export function jobRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store } = ctx;

  app.post('/jobs', async (request, reply) => {
    const body = request.body;
    if (body !== null && typeof body === 'object' && 'status' in body) {
      throw new ValidationError('status cannot be set by clients: every job starts pending', {
        field: 'status',
      });
    }
    const input = parseInput(createJobSchema, body, 'job');
    const key = request.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
      throw new ValidationError('Idempotency-Key must be 1-200 characters');
    }
    const { job, created } = await store.createJob(input, key === undefined ? {} : { idempotencyKey: key });
    return reply
      .status(created ? 201 : 200)
      .header('etag', etagOf(job))
      .header('location', `/jobs/${job.id}`)
      .send(jobView(job));
  });

  app.get('/jobs', async (request) => {
    const query = parseInput(listJobsQuery, request.query, 'query');
    const page = await store.listJobs({
      statuses: query.status as JobStatus[] | undefined,
      worker_type: query.worker_type,
      feature_id: query.feature_id,
      limit: query.limit ?? 50,
      before: query.cursor,
    });
    return { jobs: page.jobs.map(jobView), next_cursor: page.next === null ? null : String(page.next) };
  });

  app.get('/jobs/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const job = await store.getJob(id);
    const etag = etagOf(job);
    void reply.header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    return jobView(job);
  });

  app.get('/jobs/:id/events', async (request) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    return { events: (await store.jobEvents(id)).map(eventView) };
  });

  app.post('/jobs/:id/cancel', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    parseInput(emptyBody, request.body, 'body');
    const job = await store.cancel(id, guardFrom(request));
    return sendJob(reply, job);
  });

  app.post('/jobs/:id/continue', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    const { prompt } = parseInput(continueBody, request.body, 'body');
    const job = await store.continueJob(id, prompt, guardFrom(request));
    return sendJob(reply, job);
  });

  app.post('/jobs/:id/retry', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    parseInput(emptyBody, request.body, 'body');
    const job = await store.retry(id, guardFrom(request));
    return sendJob(reply, job);
  });

  app.delete('/jobs/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'job id');
    parseInput(emptyBody, request.body, 'body');
    await store.deleteJob(id, guardFrom(request));
    return reply.status(204).send();
  });

  app.post('/jobs/cleanup', async (request) => {
    const body = parseInput(cleanupBody, request.body, 'body') ?? {};
    const deleted = await store.cleanup({
      statuses: body.statuses ?? ['done', 'failed', 'cancelled'],
      updatedBefore: ctx.clock.now() - (body.max_age_days ?? 7) * DAY_MS,
    });
    return { deleted };
  });
}
