/**
 * The operations of the model-based test as plain data, and how fast-check generates them. Plain
 * data (JSON) so that a shrunk failing case can be pasted into `model-regressions.test.ts` and
 * replayed as is. Jobs are named by creation index (modulo the number created so far); tokens by
 * which one to send, resolved against what the model has seen.
 */
import fc from 'fast-check';
import type { Action, ModelJob, ModelState, Reported } from './job-model.ts';

/** Which token a worker-side request carries: the job's newest, an older attempt's, none, or one never issued. */
export type TokenChoice = 'latest' | 'previous' | 'none' | 'unknown';

export type Op =
  | { op: 'create'; maxAttempts: number; priority: number }
  | { op: 'claim'; worker: string; leaseMs: number }
  | { op: 'heartbeat'; job: number; token: TokenChoice }
  | { op: 'complete'; job: number; token: TokenChoice; status: Reported; retryable?: boolean }
  | { op: 'release'; job: number; token: TokenChoice }
  | { op: 'cancel' | 'continue' | 'retry' | 'delete'; job: number }
  | { op: 'advance'; ms: number; reap: boolean }
  | { op: 'restart' }
  /** Sends the previous request again, token and all: a duplicate delivery, or a late retry. */
  | { op: 'again' };

/** A few jobs per run, so claims choose among them; further creates are skipped. */
export const MAX_JOBS = 3;
/** Lease lengths and clock steps share multiples, so a step often lands exactly on an expiry. */
const LEASE_MS = [1_000, 2_000, 5_000] as const;
const ADVANCE_MS = [500, 1_000, 2_000, 5_000, 60_000] as const;
/** Valid UUIDs that no claim issued and no job has: always unknown to the server. */
const UNKNOWN_TOKEN = '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f';

/** The first job is named most often, so that one job goes deep into its lifecycle in most runs. */
const jobRef = fc.constantFrom(0, 0, 1, 2);
const token = fc.constantFrom<TokenChoice>('latest', 'latest', 'previous', 'none', 'unknown');

const createArbitrary = fc.record({
  op: fc.constant('create' as const),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  priority: fc.constantFrom(0, 0, 1),
});

/** One generated operation; weights favour the worker side, where the interesting races are. */
export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: createArbitrary },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('claim' as const),
      worker: fc.constantFrom('w1', 'w2'),
      leaseMs: fc.constantFrom(...LEASE_MS),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('heartbeat' as const), job: jobRef, token }) },
  {
    weight: 6,
    arbitrary: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          op: fc.constant('complete' as const),
          job: jobRef,
          token,
          status: fc.constantFrom<Reported>('done', 'failed', 'awaiting_input', 'cancelled'),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant('complete' as const),
          job: jobRef,
          token,
          status: fc.constant<Reported>('failed'),
          retryable: fc.constant(true),
        }),
      },
    ),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), job: jobRef, token }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constantFrom('cancel' as const, 'continue' as const, 'retry' as const, 'delete' as const),
      job: jobRef,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.constantFrom(...ADVANCE_MS),
      // Mostly with the reaper: the clock alone only matters to a heartbeat that comes late.
      reap: fc.constantFrom(true, true, true, false),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
  { weight: 3, arbitrary: fc.constant({ op: 'again' as const }) },
);

/** A run starts with a create (nothing else could find a job) and goes on for up to `maxLength` ops. */
export const opsArbitrary = (maxLength: number): fc.Arbitrary<Op[]> =>
  fc
    .tuple(createArbitrary, fc.array(opArbitrary, { maxLength: maxLength - 1, size: 'max' }))
    .map(([first, rest]): Op[] => [first, ...rest]);

/** The creation index an op names: modulo the jobs created so far, -1 before the first. */
const targetOf = (state: ModelState, job: number): number =>
  state.jobs.length === 0 ? -1 : job % state.jobs.length;

function tokenFor(job: ModelJob | undefined, choice: TokenChoice): string | undefined {
  if (choice === 'none') return undefined;
  if (choice === 'unknown') return UNKNOWN_TOKEN;
  const tokens = job?.tokens ?? [];
  return (choice === 'latest' ? tokens.at(-1) : tokens.at(-2)) ?? UNKNOWN_TOKEN;
}

/** The op with every choice made, except a claim's token, which only the server's answer knows. */
export function resolve(state: ModelState, op: Exclude<Op, { op: 'again' }>): Action {
  switch (op.op) {
    case 'create':
      return { kind: 'create', maxAttempts: op.maxAttempts, priority: op.priority };
    case 'claim':
      return { kind: 'claim', worker: op.worker, leaseMs: op.leaseMs, token: undefined };
    case 'advance':
      return { kind: 'advance', ms: op.ms, reap: op.reap };
    case 'restart':
      return { kind: 'restart' };
    case 'complete': {
      const job = targetOf(state, op.job);
      const lease = tokenFor(state.jobs[job], op.token);
      return { kind: 'complete', job, token: lease, status: op.status, retryable: op.retryable === true };
    }
    case 'heartbeat':
    case 'release': {
      const job = targetOf(state, op.job);
      return { kind: op.op, job, token: tokenFor(state.jobs[job], op.token) };
    }
    default:
      return { kind: op.op, job: targetOf(state, op.job) };
  }
}
