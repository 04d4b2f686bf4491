/** A job request and the record it becomes: defaults are applied here, once, for every store. */
import type { Job, JobSpec, PushMode } from './job.ts';
import { defaultBranchName } from './naming.ts';

export interface NewJob {
  repo_url: string;
  spec_json: JobSpec;
  worker_type?: string;
  base_ref?: string;
  branch_name?: string;
  worktree_path?: string | null;
  conversation_id?: string | null;
  feature_id?: string | null;
  feature_part?: string | null;
  push_mode?: PushMode;
  priority?: number;
  run_at?: number | null;
  depends_on?: string[];
  max_attempts?: number;
}

export const JOB_DEFAULTS = Object.freeze({
  worker_type: 'default',
  base_ref: 'main',
  push_mode: 'always' as PushMode,
  priority: 0,
  max_attempts: 3,
});

/** The stored form of a new job: always `pending`, version 1, no lease. `seq` is the store's to assign. */
export function newJobRecord(input: NewJob, id: string, dependsOn: string[], now: number): Job {
  return {
    id,
    seq: 0,
    status: 'pending',
    version: 1,
    worker_type: input.worker_type ?? JOB_DEFAULTS.worker_type,
    repo_url: input.repo_url,
    base_ref: input.base_ref ?? JOB_DEFAULTS.base_ref,
    branch_name: input.branch_name ?? defaultBranchName(input.spec_json.prompt, id),
    worktree_path: input.worktree_path ?? null,
    spec_json: input.spec_json,
    result_summary: null,
    conversation_id: input.conversation_id ?? null,
    feature_id: input.feature_id ?? null,
    feature_part: input.feature_part ?? null,
    push_mode: input.push_mode ?? JOB_DEFAULTS.push_mode,
    priority: input.priority ?? JOB_DEFAULTS.priority,
    run_at: input.run_at ?? null,
    depends_on: dependsOn,
    attempt: 0,
    max_attempts: input.max_attempts ?? JOB_DEFAULTS.max_attempts,
    attempt_base: 0,
    reported_status: null,
    lease_token: null,
    lease_owner: null,
    lease_expires_at: null,
    lease_ms: null,
    cancel_requested: false,
    created_at: now,
    updated_at: now,
  };
}
