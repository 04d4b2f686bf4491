/**
 * The job lifecycle as pure decisions: given a job as stored and a command, each `plan*` function
 * returns the job's next state and the event that records the move, returns `noop` for a repeat
 * that must change nothing, or throws a typed error. Stores only load, decide and compare-and-set;
 * they never decide anything themselves, so every store obeys the same rules.
 */
import { ConflictError, InvalidTransitionError, StaleLeaseError } from './errors.ts';
import {
  assertTransition,
  attemptsUsed,
  type CompletionStatus,
  holdsLiveLease,
  type Job,
  type JobStatus,
} from './job.ts';

export type EventType =
  | 'created'
  | 'claimed'
  | 'completed'
  | 'released'
  | 'expired'
  | 'cancel_requested'
  | 'cancelled'
  | 'continued'
  | 'retried'
  | 'status_updated'
  | 'deleted';

/** One row of the append-only history, before the store gives it a sequence number. */
export interface EventDraft {
  type: EventType;
  from_status: JobStatus | null;
  to_status: JobStatus | null;
  actor: string;
  reason: string | null;
}

export type Decision = { kind: 'write'; next: Job; event: EventDraft | null } | { kind: 'noop' };

const NOOP: Decision = { kind: 'noop' };

/** Statuses that stop a job for good: entering one cancels the job's pending dependents. */
export const CASCADING_STATUSES: readonly JobStatus[] = ['failed', 'cancelled'];

/**
 * Moves `job` to `to`, applying what entering each status means for the lease. Checks the
 * transition table first: this is the single door every status change goes through.
 *
 * Leaving `running` ends the lease. Its token is kept only when the lease holder itself finished
 * the attempt (`keepToken`), so that the holder's retried completion is recognised as a repeat;
 * after any other ending (reaper, a person, a completion without the token) the old token is stale.
 */
function moveTo(
  job: Job,
  to: JobStatus,
  now: number,
  options: { why?: string; keepToken?: boolean } = {},
): Job {
  assertTransition(job.id, job.status, to, options.why);
  const next: Job = { ...job, status: to, version: job.version + 1, updated_at: now, reported_status: null };
  if (to === 'running') return next;
  next.lease_expires_at = null;
  next.cancel_requested = false;
  if (!options.keepToken) next.lease_token = null;
  if (to === 'pending') {
    next.lease_token = null;
    next.lease_owner = null;
    next.lease_ms = null;
    // Coming back from a finished or paused state starts a fresh budget of attempts.
    if (job.status !== 'running') next.attempt_base = job.attempt;
  }
  return next;
}

const event = (
  type: EventType,
  job: Job,
  next: Job,
  actor: string,
  reason: string | null = null,
): EventDraft => ({ type, from_status: job.status, to_status: next.status, actor, reason });

export interface ClaimCommand {
  workerId: string;
  leaseMs: number;
  leaseToken: string;
  now: number;
}

export function planClaim(job: Job, cmd: ClaimCommand): Decision {
  const next = moveTo(job, 'running', cmd.now);
  next.attempt = job.attempt + 1;
  next.lease_token = cmd.leaseToken;
  next.lease_owner = cmd.workerId;
  next.lease_ms = cmd.leaseMs;
  next.lease_expires_at = cmd.now + cmd.leaseMs;
  next.cancel_requested = false;
  return { kind: 'write', next, event: event('claimed', job, next, cmd.workerId, `attempt ${next.attempt}`) };
}

/** Fencing: only the live lease holder may act for the job (heartbeat, complete, release, logs). */
export function assertLiveLease(job: Job, token: string): void {
  if (!holdsLiveLease(job, token)) throw new StaleLeaseError(job.id, job.status, job.attempt);
}

/** Extends the lease by its granted length. A write (version increases) but not a transition. */
export function planHeartbeat(job: Job, token: string, now: number): Decision {
  assertLiveLease(job, token);
  const next: Job = {
    ...job,
    version: job.version + 1,
    updated_at: now,
    lease_expires_at: now + (job.lease_ms ?? 0),
  };
  return { kind: 'write', next, event: null };
}

export interface CompleteCommand {
  status: CompletionStatus;
  result_summary?: unknown;
  conversation_id?: string | null;
  leaseToken?: string;
  /** A failure worth another attempt: back to `pending` while attempts are left. */
  retryable?: boolean;
  now: number;
}

export function planComplete(job: Job, cmd: CompleteCommand): Decision {
  if (cmd.leaseToken !== undefined) {
    if (job.lease_token === cmd.leaseToken && job.status !== 'running') {
      // This attempt already finished. The same completion again is a retry: answer, change nothing.
      // "The same" is what the holder reported, which a cancel request may have turned into `cancelled`.
      const reported = job.reported_status ?? job.status;
      if (reported === cmd.status) return NOOP;
      throw new ConflictError(
        `Attempt ${job.attempt} of job ${job.id} already finished: it reported ${reported}; it cannot also report ${cmd.status}`,
        { job_id: job.id, status: job.status, target: cmd.status, attempt: job.attempt },
      );
    }
    assertLiveLease(job, cmd.leaseToken);
  } else if (job.status !== 'running' && job.status !== 'awaiting_input') {
    throw new InvalidTransitionError(
      job.id,
      job.status,
      cmd.status,
      'only a running or awaiting_input job can be completed',
    );
  }
  const actor = job.lease_owner ?? 'api';
  const [target, reason] = completionTarget(job, cmd);
  const next = moveTo(job, target, cmd.now, { keepToken: cmd.leaseToken !== undefined });
  if (cmd.result_summary !== undefined) next.result_summary = cmd.result_summary;
  if (cmd.conversation_id !== undefined) next.conversation_id = cmd.conversation_id;
  if (cmd.leaseToken !== undefined && next.lease_token !== null) next.reported_status = cmd.status;
  return { kind: 'write', next, event: event('completed', job, next, actor, reason) };
}

/**
 * Where a completion takes the job. A retryable failure goes back to `pending` while attempts are
 * left; but once a cancel was requested, neither a retry nor a question may keep the job alive.
 */
function completionTarget(job: Job, cmd: CompleteCommand): [JobStatus, string | null] {
  if (job.status !== 'running') return [cmd.status, null];
  const retry = cmd.status === 'failed' && cmd.retryable === true && attemptsUsed(job) < job.max_attempts;
  if (job.cancel_requested && (retry || cmd.status === 'awaiting_input')) {
    return [
      'cancelled',
      `reported ${retry ? 'a retryable failure' : 'awaiting_input'} after cancel was requested`,
    ];
  }
  return retry ? ['pending', 'retryable failure'] : [cmd.status, null];
}

export interface ReleaseOptions {
  reason?: string;
  /** The claim never reached a worker (its client hung up): the attempt is given back. */
  refundAttempt?: boolean;
}

/** A worker hands its job back. A cancel requested meanwhile is honoured instead. */
export function planRelease(job: Job, token: string, now: number, options: ReleaseOptions = {}): Decision {
  assertLiveLease(job, token);
  const to: JobStatus = job.cancel_requested ? 'cancelled' : 'pending';
  const next = moveTo(job, to, now);
  if (options.refundAttempt) next.attempt_base = job.attempt_base + 1;
  const why = job.cancel_requested
    ? 'released after cancel was requested'
    : (options.reason ?? 'released by worker');
  return { kind: 'write', next, event: event('released', job, next, job.lease_owner ?? 'worker', why) };
}

const withError = (summary: unknown, error: string): Record<string, unknown> =>
  summary !== null && typeof summary === 'object' && !Array.isArray(summary)
    ? { ...(summary as Record<string, unknown>), error }
    : { error };

/** The reaper's move for a lease that ran out: retry, fail when attempts are spent, or honour a cancel. */
export function planExpire(job: Job, now: number): Decision {
  if (job.status !== 'running' || job.lease_expires_at === null || job.lease_expires_at > now) return NOOP;
  const owner = job.lease_owner ?? 'unknown worker';
  let to: JobStatus;
  let reason: string;
  if (job.cancel_requested) {
    to = 'cancelled';
    reason = `lease of ${owner} expired after cancel was requested (attempt ${job.attempt})`;
  } else if (attemptsUsed(job) >= job.max_attempts) {
    to = 'failed';
    reason = `lease of ${owner} expired on attempt ${job.attempt}; all ${job.max_attempts} attempts spent`;
  } else {
    to = 'pending';
    reason = `lease of ${owner} expired on attempt ${job.attempt}; will retry`;
  }
  const next = moveTo(job, to, now);
  next.result_summary = withError(job.result_summary, reason);
  return { kind: 'write', next, event: event('expired', job, next, 'reaper', reason) };
}

export interface ActorCommand {
  now: number;
  actor: string;
  reason?: string;
}

/** Pending and paused jobs are cancelled at once; a running one is asked to stop at its next heartbeat. */
export function planCancel(job: Job, cmd: ActorCommand): Decision {
  if (job.status === 'running') {
    if (job.cancel_requested) return NOOP;
    const next: Job = { ...job, cancel_requested: true, version: job.version + 1, updated_at: cmd.now };
    return {
      kind: 'write',
      next,
      event: event('cancel_requested', job, next, cmd.actor, cmd.reason ?? null),
    };
  }
  if (job.status === 'cancelled') return NOOP;
  const next = moveTo(job, 'cancelled', cmd.now);
  return { kind: 'write', next, event: event('cancelled', job, next, cmd.actor, cmd.reason ?? null) };
}

/** A follow-up in the same conversation: the prompt is recorded, the conversation id kept. */
export function planContinue(job: Job, prompt: string, cmd: ActorCommand): Decision {
  if (job.status !== 'done' && job.status !== 'failed' && job.status !== 'awaiting_input') {
    throw new InvalidTransitionError(
      job.id,
      job.status,
      'pending',
      'only done, failed or awaiting_input jobs can be continued',
    );
  }
  const next = moveTo(job, 'pending', cmd.now);
  next.spec_json = {
    ...job.spec_json,
    follow_ups: [...(job.spec_json.follow_ups ?? []), { prompt, at: cmd.now }],
  };
  return { kind: 'write', next, event: event('continued', job, next, cmd.actor, prompt.slice(0, 200)) };
}

export function planRetry(job: Job, cmd: ActorCommand): Decision {
  if (job.status !== 'failed' && job.status !== 'cancelled') {
    throw new InvalidTransitionError(
      job.id,
      job.status,
      'pending',
      'only failed or cancelled jobs can be retried',
    );
  }
  const next = moveTo(job, 'pending', cmd.now);
  return { kind: 'write', next, event: event('retried', job, next, cmd.actor, cmd.reason ?? null) };
}

export interface StatusUpdateCommand {
  status: JobStatus;
  result_summary?: unknown;
  expectedStatus?: JobStatus;
  now: number;
  /** Entering `running` always grants a lease, so that even a manual start can expire. */
  lease: { token: string; ms: number };
}

/**
 * The seed's `updateJobStatus`: any move the table allows, optionally only from `expectedStatus`
 * (optimistic locking). A refused move throws `invalid_transition` naming the current status.
 */
export function planStatusUpdate(job: Job, cmd: StatusUpdateCommand): Decision {
  if (cmd.expectedStatus !== undefined && job.status !== cmd.expectedStatus) {
    throw new InvalidTransitionError(job.id, job.status, cmd.status, `expected status ${cmd.expectedStatus}`);
  }
  if (cmd.status === 'running') {
    const claimed = planClaim(job, {
      workerId: 'manual',
      leaseMs: cmd.lease.ms,
      leaseToken: cmd.lease.token,
      now: cmd.now,
    });
    if (claimed.kind === 'write' && cmd.result_summary !== undefined)
      claimed.next.result_summary = cmd.result_summary;
    return claimed;
  }
  const next = moveTo(job, cmd.status, cmd.now);
  if (cmd.result_summary !== undefined) next.result_summary = cmd.result_summary;
  return { kind: 'write', next, event: event('status_updated', job, next, 'api') };
}

/** A job that a worker holds or that waits for an answer cannot be deleted. */
export function assertDeletable(job: Job): void {
  if (job.status === 'running' || job.status === 'awaiting_input') {
    throw new ConflictError(`Job ${job.id} is ${job.status}; cancel it before deleting it`, {
      job_id: job.id,
      status: job.status,
    });
  }
}
