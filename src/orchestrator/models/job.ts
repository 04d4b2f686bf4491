/**
 * The job domain: statuses, the transition table and the job record. Pure: no I/O, no clock.
 *
 * This module is the only place that decides which status moves are legal. Every write in every
 * store goes through `assertTransition`, so an illegal move (such as `done -> running`, the bug the
 * seed task was written to prevent) cannot be expressed by any caller.
 */
import { InvalidTransitionError } from './errors.ts';

export const JobStatus = {
  Pending: 'pending',
  Running: 'running',
  AwaitingInput: 'awaiting_input',
  Done: 'done',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;

export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const JOB_STATUSES: readonly JobStatus[] = Object.freeze(Object.values(JobStatus));

/** Legal moves, from DESIGN.md. Anything not listed is refused with `invalid_transition`. */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = Object.freeze({
  pending: ['running', 'cancelled'],
  running: ['done', 'failed', 'awaiting_input', 'pending', 'cancelled'],
  awaiting_input: ['pending', 'done', 'failed', 'cancelled'],
  done: ['pending'],
  failed: ['pending'],
  cancelled: ['pending'],
});

/** Statuses that hold their repo+branch: no other job on it may be claimed meanwhile. */
export const BRANCH_HOLDING_STATUSES: readonly JobStatus[] = ['running', 'awaiting_input'];

/** The statuses a worker may report through `complete`. */
export const COMPLETION_STATUSES = ['done', 'failed', 'awaiting_input', 'cancelled'] as const;
export type CompletionStatus = (typeof COMPLETION_STATUSES)[number];

export const canTransition = (from: JobStatus, to: JobStatus): boolean => TRANSITIONS[from].includes(to);

/** Throws `InvalidTransitionError` unless `from -> to` is in the table. */
export function assertTransition(jobId: string, from: JobStatus, to: JobStatus, why?: string): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(jobId, from, to, why);
}

export type PushMode = 'always' | 'never';

/** What the agent is asked to do. `follow_ups` records each `continue` prompt, oldest first. */
export interface JobSpec {
  prompt: string;
  /** Which agent adapter runs the job (`codex`, `claude`, `command`, ...); the worker's default when absent. */
  agent?: string;
  /** The agent's model, passed to adapters that take one. */
  model?: string;
  context_files?: string[];
  notes?: string;
  /** Run after the agent, in the worktree, as an argv array (never through a shell). */
  test_command?: string[];
  /** Prepares a new worktree: files copied in from the repository's source, then a command. */
  setup?: WorktreeSetup;
  /** The longest the agent may run, in ms (separate from the lease); past it the job fails `timeout`. */
  timeout_ms?: number;
  follow_ups?: FollowUp[];
}

export interface WorktreeSetup {
  /** Paths relative to the repository (such as `.env`), copied into a new worktree. */
  copy_files?: string[];
  /** An argv array run once in a new worktree (such as `["npm", "ci"]`). */
  command?: string[];
}

export interface FollowUp {
  prompt: string;
  at: number;
}

/**
 * A stored job. Field names are the API's (snake_case), so the record crosses every transport
 * unchanged; times are epoch milliseconds here and ISO strings on the wire.
 */
export interface Job {
  id: string;
  /** Submission order: an integer sequence, used for ordering and pagination. */
  seq: number;
  status: JobStatus;
  /** Increases on every write; every write is a compare-and-set on it. */
  version: number;
  worker_type: string;
  repo_url: string;
  base_ref: string;
  branch_name: string;
  worktree_path: string | null;
  spec_json: JobSpec;
  result_summary: unknown;
  conversation_id: string | null;
  feature_id: string | null;
  feature_part: string | null;
  push_mode: PushMode;
  priority: number;
  run_at: number | null;
  depends_on: string[];
  /** Increases on every claim; names the lease generation (the fencing number). */
  attempt: number;
  max_attempts: number;
  /** `attempt` when the job was last continued or retried: attempts are counted from there. */
  attempt_base: number;
  lease_token: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** Lease length granted at claim; heartbeats extend the lease by this much. */
  lease_ms: number | null;
  /**
   * What the lease holder reported when its own completion ended the attempt. It can differ from
   * `status` (a question reported after a cancel request ends the job `cancelled`); a repeated
   * completion is compared with it, so the holder's retry of its exact request is still a 200.
   */
  reported_status: CompletionStatus | null;
  cancel_requested: boolean;
  created_at: number;
  updated_at: number;
}

/** Attempts used since the job was last continued or retried. */
export const attemptsUsed = (job: Job): number => job.attempt - job.attempt_base;

/** A lease is live while the job runs under it; after expiry it stays live until reaped or renewed. */
export const holdsLiveLease = (job: Job, token: string): boolean =>
  job.status === 'running' && job.lease_token === token;
