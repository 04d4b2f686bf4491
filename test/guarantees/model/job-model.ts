/**
 * A second, deliberately plain statement of the job lifecycle, written from the README ("Job
 * lifecycle", "HTTP API") and not from `src/orchestrator/models/lifecycle.ts`. The model-based test
 * runs every operation against this model and against a real server and demands the same answers:
 * two independent statements of the rules that must agree. Pure: no I/O, no clock, no randomness.
 *
 * Jobs are named by their creation index (which is also their claim order at equal priority). The
 * model never invents a lease token: a claim's token comes from the server's answer, and the model
 * only remembers which tokens it has seen and which one is live.
 */

export type Status = 'pending' | 'running' | 'awaiting_input' | 'done' | 'failed' | 'cancelled';
export type Reported = 'done' | 'failed' | 'awaiting_input' | 'cancelled';

export interface ModelJob {
  status: Status;
  deleted: boolean;
  priority: number;
  maxAttempts: number;
  /** Claims ever made: the fencing number. */
  attempt: number;
  /** Claims made since the job was created, continued or retried: the budget the reaper checks. */
  attemptsUsed: number;
  /** Every token a claim of this job handed out, oldest first, so the harness can replay old ones. */
  tokens: readonly string[];
  /** The token the API shows: the live lease's, or the holder's after its own completion ended the attempt. */
  leaseToken: string | null;
  /** What the holder reported when its own completion ended the attempt: a repeat must match it. */
  reported: Reported | null;
  leaseOwner: string | null;
  leaseMs: number | null;
  leaseExpiresAt: number | null;
  cancelRequested: boolean;
  followUps: number;
}

export interface ModelState {
  now: number;
  jobs: readonly ModelJob[];
}

/** An operation with every choice made: `job` is a creation index (-1: a job that never existed). */
export type Action =
  | { kind: 'create'; maxAttempts: number; priority: number }
  | { kind: 'claim'; worker: string; leaseMs: number; token: string | undefined }
  | { kind: 'heartbeat'; job: number; token: string | undefined }
  | { kind: 'complete'; job: number; token: string | undefined; status: Reported; retryable: boolean }
  | { kind: 'release'; job: number; token: string | undefined }
  | { kind: 'cancel' | 'continue' | 'retry' | 'delete'; job: number }
  | { kind: 'advance'; ms: number; reap: boolean }
  | { kind: 'restart' };

/** The HTTP answer the README predicts: a status code and, for errors, the stable `code`. */
export interface Answer {
  status: number;
  code: string | null;
}

export interface Outcome {
  state: ModelState;
  /** Null for operations that are not HTTP requests (moving the clock, restarting). */
  answer: Answer | null;
  /** Jobs that were written (their version must increase); every other job must keep its version. */
  wrote: readonly number[];
  /** The job a successful claim must hand out. */
  claimed: number | null;
  /** The jobs the reaper moved. */
  reaped: readonly number[];
}

export const initialState = (now: number): ModelState => ({ now, jobs: [] });

const answer = (status: number, code: string | null = null): Answer => ({ status, code });

const outcome = (state: ModelState, result: Answer | null, wrote: readonly number[] = []): Outcome => ({
  state,
  answer: result,
  wrote,
  claimed: null,
  reaped: [],
});

/** A refused request changes nothing. */
const refuse = (state: ModelState, status: number, code: string): Outcome =>
  outcome(state, answer(status, code));

const withJob = (state: ModelState, index: number, job: ModelJob): ModelState => ({
  ...state,
  jobs: state.jobs.map((old, i) => (i === index ? job : old)),
});

const liveJob = (state: ModelState, index: number): ModelJob | undefined => {
  const job = state.jobs[index];
  return job && !job.deleted ? job : undefined;
};

/**
 * Entering any status other than `running`: the lease ends (no expiry, no cancel request, no token;
 * the README does not say a cancel request is cleared, but it is addressed to a running worker).
 * Returning to `pending` also forgets the owner; returning from a finished or paused state (continue,
 * retry) starts a fresh budget of attempts, while a running job handed back keeps counting.
 */
function enter(job: ModelJob, status: Status): ModelJob {
  const next: ModelJob = {
    ...job,
    status,
    leaseExpiresAt: null,
    cancelRequested: false,
    leaseToken: null,
    reported: null,
  };
  if (status !== 'pending') return next;
  return {
    ...next,
    leaseOwner: null,
    leaseMs: null,
    attemptsUsed: job.status === 'running' ? job.attemptsUsed : 0,
  };
}

/** Writes `job` at `index` and answers with it. */
const write = (state: ModelState, index: number, job: ModelJob, status = 200): Outcome =>
  outcome(withJob(state, index, job), answer(status), [index]);

function create(state: ModelState, action: { maxAttempts: number; priority: number }): Outcome {
  const job: ModelJob = {
    status: 'pending',
    deleted: false,
    priority: action.priority,
    maxAttempts: action.maxAttempts,
    attempt: 0,
    attemptsUsed: 0,
    tokens: [],
    leaseToken: null,
    reported: null,
    leaseOwner: null,
    leaseMs: null,
    leaseExpiresAt: null,
    cancelRequested: false,
    followUps: 0,
  };
  return outcome({ ...state, jobs: [...state.jobs, job] }, answer(201), [state.jobs.length]);
}

/** The claim order: pending jobs, higher priority first, then submission order. */
export function nextClaimable(state: ModelState): number | null {
  let best: number | null = null;
  let bestPriority = Number.NEGATIVE_INFINITY;
  // Strictly greater: at equal priority the earlier submission keeps its place.
  for (const [index, job] of state.jobs.entries()) {
    if (job.deleted || job.status !== 'pending' || job.priority <= bestPriority) continue;
    best = index;
    bestPriority = job.priority;
  }
  return best;
}

function claim(state: ModelState, action: { worker: string; leaseMs: number; token: string | undefined }) {
  const index = nextClaimable(state);
  const job = index === null ? undefined : state.jobs[index];
  if (index === null || !job) return refuse(state, 404, 'not_found');
  // The token is the server's choice; without one the answer already disagrees with the model.
  const token = action.token ?? '(no token in the answer)';
  const next: ModelJob = {
    ...job,
    status: 'running',
    attempt: job.attempt + 1,
    attemptsUsed: job.attemptsUsed + 1,
    tokens: [...job.tokens, token],
    leaseToken: token,
    reported: null,
    leaseOwner: action.worker,
    leaseMs: action.leaseMs,
    leaseExpiresAt: state.now + action.leaseMs,
    cancelRequested: false,
  };
  return { ...write(state, index, next), claimed: index };
}

/** Only the live lease (the job running under exactly this token) may act for the job. */
const holdsLease = (job: ModelJob, token: string): boolean =>
  job.status === 'running' && job.leaseToken === token;

function heartbeat(state: ModelState, index: number, token: string | undefined): Outcome {
  if (token === undefined) return refuse(state, 400, 'validation_failed');
  const job = liveJob(state, index);
  if (!job) return refuse(state, 404, 'not_found');
  if (!holdsLease(job, token)) return refuse(state, 409, 'stale_lease');
  // Renews even a lease that ran out, as long as the reaper has not moved the job yet. "Extends the
  // lease by its length" is read as: from now, not from the old expiry.
  return write(state, index, { ...job, leaseExpiresAt: state.now + (job.leaseMs ?? 0) });
}

function release(state: ModelState, index: number, token: string | undefined): Outcome {
  if (token === undefined) return refuse(state, 400, 'validation_failed');
  const job = liveJob(state, index);
  if (!job) return refuse(state, 404, 'not_found');
  if (!holdsLease(job, token)) return refuse(state, 409, 'stale_lease');
  return write(state, index, enter(job, job.cancelRequested ? 'cancelled' : 'pending'));
}

/**
 * Where a completion takes the job, or null when the move is not in the table. From `running`, a
 * retryable failure with attempts left goes back to `pending`; after a cancel request, neither a
 * retry nor a question may keep the job alive. From `awaiting_input` (no token), the status as given.
 */
function completionTarget(job: ModelJob, status: Reported, retryable: boolean): Status | null {
  if (job.status === 'awaiting_input') return status === 'awaiting_input' ? null : status;
  const retry = status === 'failed' && retryable && job.attemptsUsed < job.maxAttempts;
  if (job.cancelRequested && (retry || status === 'awaiting_input')) return 'cancelled';
  return retry ? 'pending' : status;
}

type CompleteAction = Extract<Action, { kind: 'complete' }>;

function complete(state: ModelState, action: CompleteAction): Outcome {
  const job = liveJob(state, action.job);
  if (!job) return refuse(state, 404, 'not_found');
  const { token } = action;
  if (token !== undefined) {
    if (job.status !== 'running' && job.leaseToken === token) {
      // The holder's own completion ended this attempt: the same report again is a repeat.
      return action.status === job.reported ? outcome(state, answer(200)) : refuse(state, 409, 'conflict');
    }
    if (!holdsLease(job, token)) return refuse(state, 409, 'stale_lease');
  } else if (job.status !== 'running' && job.status !== 'awaiting_input') {
    return refuse(state, 409, 'invalid_transition');
  }
  const target = completionTarget(job, action.status, action.retryable);
  if (target === null) return refuse(state, 409, 'invalid_transition');
  const next = enter(job, target);
  // The holder keeps its token (for repeats) only when its report ended the attempt; a job handed
  // back to the queue has a fresh lease coming, and the old token is stale.
  if (token !== undefined && target !== 'pending') {
    return write(state, action.job, { ...next, leaseToken: token, reported: action.status });
  }
  return write(state, action.job, next);
}

function cancel(state: ModelState, index: number): Outcome {
  const job = liveJob(state, index);
  if (!job) return refuse(state, 404, 'not_found');
  switch (job.status) {
    case 'running':
      // A running job is asked to stop; asking again changes nothing.
      if (job.cancelRequested) return outcome(state, answer(200));
      return write(state, index, { ...job, cancelRequested: true });
    case 'pending':
    case 'awaiting_input':
      return write(state, index, enter(job, 'cancelled'));
    case 'cancelled':
      return outcome(state, answer(200));
    default:
      return refuse(state, 409, 'invalid_transition');
  }
}

function continueJob(state: ModelState, index: number): Outcome {
  const job = liveJob(state, index);
  if (!job) return refuse(state, 404, 'not_found');
  if (job.status !== 'done' && job.status !== 'failed' && job.status !== 'awaiting_input') {
    return refuse(state, 409, 'invalid_transition');
  }
  return write(state, index, { ...enter(job, 'pending'), followUps: job.followUps + 1 });
}

function retry(state: ModelState, index: number): Outcome {
  const job = liveJob(state, index);
  if (!job) return refuse(state, 404, 'not_found');
  if (job.status !== 'failed' && job.status !== 'cancelled') return refuse(state, 409, 'invalid_transition');
  return write(state, index, enter(job, 'pending'));
}

function remove(state: ModelState, index: number): Outcome {
  const job = liveJob(state, index);
  if (!job) return refuse(state, 404, 'not_found');
  if (job.status === 'running' || job.status === 'awaiting_input') return refuse(state, 409, 'conflict');
  return outcome(withJob(state, index, { ...job, deleted: true }), answer(204));
}

/** Where the reaper takes a job whose lease ran out: honour a cancel, fail when attempts are spent, else retry. */
function expiredTarget(job: ModelJob): Status {
  if (job.cancelRequested) return 'cancelled';
  return job.attemptsUsed >= job.maxAttempts ? 'failed' : 'pending';
}

/**
 * Moves the clock; with `reap`, the reaper then expires every lease whose end has come. A lease
 * ends at its `lease_expires_at` instant (the README leaves the boundary open; this is the reading).
 */
function advance(state: ModelState, ms: number, reap: boolean): Outcome {
  const now = state.now + ms;
  if (!reap) return outcome({ ...state, now }, null);
  const reaped: number[] = [];
  const jobs = state.jobs.map((job, index) => {
    if (job.deleted || job.status !== 'running' || job.leaseExpiresAt === null || job.leaseExpiresAt > now)
      return job;
    reaped.push(index);
    return enter(job, expiredTarget(job));
  });
  return { ...outcome({ now, jobs }, null, reaped), reaped };
}

export function step(state: ModelState, action: Action): Outcome {
  switch (action.kind) {
    case 'create':
      return create(state, action);
    case 'claim':
      return claim(state, action);
    case 'heartbeat':
      return heartbeat(state, action.job, action.token);
    case 'complete':
      return complete(state, action);
    case 'release':
      return release(state, action.job, action.token);
    case 'cancel':
      return cancel(state, action.job);
    case 'continue':
      return continueJob(state, action.job);
    case 'retry':
      return retry(state, action.job);
    case 'delete':
      return remove(state, action.job);
    case 'advance':
      return advance(state, action.ms, action.reap);
    case 'restart':
      // A restart keeps everything: jobs, leases and tokens live in the database file.
      return outcome(state, null);
  }
}
