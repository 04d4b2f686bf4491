/** Domain records to their wire form: times as ISO-8601 strings, internal bookkeeping left out. */
import type { FastifyReply } from 'fastify';
import type { Job } from '../models/job.ts';
import type { JobEvent, StoredLogEntry } from '../store/store.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function jobView(job: Job) {
  const { seq: _seq, attempt_base: _base, lease_ms: _leaseMs, reported_status: _reported, ...rest } = job;
  return {
    ...rest,
    run_at: iso(job.run_at),
    lease_expires_at: iso(job.lease_expires_at),
    created_at: iso(job.created_at) as string,
    updated_at: iso(job.updated_at) as string,
  };
}

export const eventView = (event: JobEvent) => ({ ...event, at: iso(event.at) as string });

export const logView = (entry: StoredLogEntry) => ({ ...entry, at: iso(entry.at) as string });

/** A weak validator is enough: the version names the job's whole state. */
export const etagOf = (job: Job): string => `"v${job.version}"`;

/** Answers with a job and its ETag: how every route that returns one job replies. */
export const sendJob = (reply: FastifyReply, job: Job): FastifyReply =>
  reply.header('etag', etagOf(job)).send(jobView(job));
