/** Mapping between the `jobs` table's rows and the domain `Job`. */
import type { CompletionStatus, Job, JobSpec, JobStatus, PushMode } from '../../models/job.ts';
import type { EventType } from '../../models/lifecycle.ts';
import type { JobEvent } from '../store.ts';

export interface JobRow {
  seq: number;
  id: string;
  status: string;
  version: number;
  worker_type: string;
  repo_url: string;
  base_ref: string;
  branch_name: string;
  worktree_path: string | null;
  spec_json: string;
  result_summary: string | null;
  conversation_id: string | null;
  feature_id: string | null;
  feature_part: string | null;
  push_mode: string;
  priority: number;
  run_at: number | null;
  depends_on: string;
  attempt: number;
  max_attempts: number;
  attempt_base: number;
  lease_token: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  lease_ms: number | null;
  reported_status: string | null;
  cancel_requested: number;
  created_at: number;
  updated_at: number;
}

export const rowToJob = (row: JobRow): Job => ({
  id: row.id,
  seq: row.seq,
  status: row.status as JobStatus,
  version: row.version,
  worker_type: row.worker_type,
  repo_url: row.repo_url,
  base_ref: row.base_ref,
  branch_name: row.branch_name,
  worktree_path: row.worktree_path,
  spec_json: JSON.parse(row.spec_json) as JobSpec,
  result_summary: row.result_summary === null ? null : JSON.parse(row.result_summary),
  conversation_id: row.conversation_id,
  feature_id: row.feature_id,
  feature_part: row.feature_part,
  push_mode: row.push_mode as PushMode,
  priority: row.priority,
  run_at: row.run_at,
  depends_on: JSON.parse(row.depends_on) as string[],
  attempt: row.attempt,
  max_attempts: row.max_attempts,
  attempt_base: row.attempt_base,
  lease_token: row.lease_token,
  lease_owner: row.lease_owner,
  lease_expires_at: row.lease_expires_at,
  lease_ms: row.lease_ms,
  reported_status: row.reported_status as CompletionStatus | null,
  cancel_requested: row.cancel_requested === 1,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

/** Named parameters for inserting or rewriting a job row. */
export const jobToParams = (job: Job) => ({
  id: job.id,
  status: job.status,
  version: job.version,
  worker_type: job.worker_type,
  repo_url: job.repo_url,
  base_ref: job.base_ref,
  branch_name: job.branch_name,
  worktree_path: job.worktree_path,
  spec_json: JSON.stringify(job.spec_json),
  result_summary: json(job.result_summary),
  conversation_id: job.conversation_id,
  feature_id: job.feature_id,
  feature_part: job.feature_part,
  push_mode: job.push_mode,
  priority: job.priority,
  run_at: job.run_at,
  depends_on: JSON.stringify(job.depends_on),
  attempt: job.attempt,
  max_attempts: job.max_attempts,
  attempt_base: job.attempt_base,
  lease_token: job.lease_token,
  lease_owner: job.lease_owner,
  lease_expires_at: job.lease_expires_at,
  lease_ms: job.lease_ms,
  reported_status: job.reported_status,
  cancel_requested: job.cancel_requested ? 1 : 0,
  created_at: job.created_at,
  updated_at: job.updated_at,
});

export interface EventRow {
  seq: number;
  job_id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  version: number;
  attempt: number;
  actor: string;
  reason: string | null;
  at: number;
}

export const rowToEvent = (row: EventRow): JobEvent => ({
  ...row,
  type: row.type as EventType,
  from_status: row.from_status as JobStatus | null,
  to_status: row.to_status as JobStatus | null,
});
