/**
 * The model-based test of the job lifecycle: fast-check generates sequences of API operations
 * (create, claim, heartbeat, complete with live / stale / absent / unknown tokens, release, cancel,
 * continue, retry, delete, the clock moving past lease expiry with or without the reaper, restarts)
 * and runs each against a real server on a temp SQLite file and against the pure model in
 * `model/job-model.ts`. Every answer and every job after every operation must agree.
 *
 * BATON_MODEL_RUNS raises the number of runs (default 100); BATON_MODEL_SEED replays a seed (the
 * seed is printed as a diagnostic on every run and in fast-check's report on failure), and
 * BATON_MODEL_PATH with it the exact shrunk case from that report.
 */
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runOps } from './model/commands.ts';
import { opsArbitrary } from './model/ops.ts';

/** An integer setting from the environment; a typo stops the test instead of running the default. */
const integerFrom = (name: string, fallback: number, min: number): number => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) throw new Error(`${name} must be an integer >= ${min}`);
  return parsed;
};

const RUNS = integerFrom('BATON_MODEL_RUNS', 100, 1);
const SEED = integerFrom('BATON_MODEL_SEED', Date.now() % 2 ** 31, -(2 ** 31));
/** With the seed, the `path` from fast-check's report replays exactly the shrunk case. */
const PATH = process.env.BATON_MODEL_PATH || undefined;
const MAX_OPS = 40;

describe('the job lifecycle against its model', () => {
  it('answers every generated operation sequence as the model predicts, job by job and version by version', {
    timeout: Math.max(120_000, RUNS * 3_000),
  }, async (t) => {
    t.diagnostic(
      `seed ${SEED}, ${RUNS} runs of up to ${MAX_OPS} operations (BATON_MODEL_SEED=${SEED} replays)`,
    );
    await fc.assert(
      fc.asyncProperty(opsArbitrary(MAX_OPS), async (ops) => {
        await runOps(ops);
      }),
      { numRuns: RUNS, seed: SEED, path: PATH, includeErrorInReport: true },
    );
  });
});
