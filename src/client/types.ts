/**
 * The API's wire shapes, as the client sees them. Field names are the domain's (snake_case); times
 * are ISO-8601 strings here where the domain keeps epoch milliseconds.
 */
import type { Job, JobSpec, JobStatus } from '../orchestrator/models/job.ts';
import type { EventType } from '../orchestrator/models/lifecycle.ts';
import type { NewJob } from '../orchestrator/models/new-job.ts';

export type { CompletionStatus, JobSpec, JobStatus, PushMode } from '../orchestrator/models/job.ts';

type TimeFields = 'run_at' | 'lease_expires_at' | 'created_at' | 'updated_at';
/** Store bookkeeping that the API leaves out. */
type InternalFields = 'seq' | 'attempt_base' | 'lease_ms' | 'reported_status';

/** A job as `GET /jobs/:id` answers it. */
export interface JobView extends Omit<Job, TimeFields | InternalFields> {
  run_at: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A job as a successful claim answers it: it always carries the new lease. */
export interface ClaimedJob extends JobView {
  lease_token: string;
  lease_expires_at: string;
}

/** The body of `POST /jobs`. `follow_ups` are written by `continue`, never on create. */
export interface CreateJobInput extends Omit<NewJob, 'run_at' | 'spec_json'> {
  spec_json: Omit<JobSpec, 'follow_ups'>;
  /** ISO-8601 time with an offset; the job is not claimable before it. */
  run_at?: string | null;
}

export interface ListJobsQuery {
  status?: JobStatus[] | string[];
  worker_type?: string;
  feature_id?: string;
  limit?: number;
  cursor?: string;
}

export interface JobPageView {
  jobs: JobView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

export interface JobEventView {
  seq: number;
  job_id: string;
  type: EventType;
  from_status: JobStatus | null;
  to_status: JobStatus | null;
  version: number;
  attempt: number;
  actor: string;
  reason: string | null;
  at: string;
}

export interface LogEntryInput {
  stream: string;
  text: string;
}

export interface LogEntryView extends LogEntryInput {
  seq: number;
  attempt: number;
  at: string;
}

export interface LogPageView {
  entries: LogEntryView[];
  /** Pass as `after` to read the entries that follow. */
  next_after: number;
}

export interface HeartbeatView {
  lease_expires_at: string;
  cancel_requested: boolean;
}

export interface CompleteInput {
  status: 'done' | 'failed' | 'awaiting_input' | 'cancelled';
  result_summary?: unknown;
  conversation_id?: string | null;
  lease_token?: string;
  retryable?: boolean;
}

export interface ClaimOptions {
  workerType?: string;
  workerId?: string;
  /** Long-poll up to this long (0..60000 ms) for a claimable job. */
  waitMs?: number;
  /** Lease length for this claim (1000..3600000 ms); the server's default when absent. */
  leaseMs?: number;
  signal?: AbortSignal;
}

/** Statuses in which nothing more happens to a job until a person acts (continue, retry). */
export const SETTLED_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled', 'awaiting_input'];
