/**
 * The harness of the model-based test: runs a list of operations (`ops.ts`) against a real server
 * (HTTP on 127.0.0.1, a temp SQLite file, a ManualClock) and against the pure model in
 * `job-model.ts`, asserting after every operation that both gave the same answer and that every job
 * the server lists is the job the model holds, with its version moved exactly where the model wrote.
 */
import assert from 'node:assert/strict';
import { Reaper } from '../../../src/orchestrator/reaper.ts';
import { type ServerFixture, startServer } from '../../helpers.ts';
import {
  type Action,
  type Answer,
  initialState,
  type ModelJob,
  type ModelState,
  type Outcome,
  step,
} from './job-model.ts';
import { MAX_JOBS, type Op, resolve } from './ops.ts';

/** A job id no server ever gave out: what an op names before the first job exists. */
const GHOST_JOB = '019a0000-0000-7000-8000-000000000000';
const REPO = '/srv/repos/model';

/** What the server answered to a request. */
interface Observed {
  status: number;
  body: any;
}

/** The job's fields that the lifecycle decides, as the API shows them. */
export const apiView = (job: any) => ({
  status: job.status,
  attempt: job.attempt,
  max_attempts: job.max_attempts,
  priority: job.priority,
  cancel_requested: job.cancel_requested,
  lease_token: job.lease_token,
  lease_owner: job.lease_owner,
  lease_expires_at: job.lease_expires_at,
  follow_ups: job.spec_json?.follow_ups?.length ?? 0,
});

export const modelView = (job: ModelJob) => ({
  status: job.status,
  attempt: job.attempt,
  max_attempts: job.maxAttempts,
  priority: job.priority,
  cancel_requested: job.cancelRequested,
  lease_token: job.leaseToken,
  lease_owner: job.leaseOwner,
  lease_expires_at: job.leaseExpiresAt === null ? null : new Date(job.leaseExpiresAt).toISOString(),
  follow_ups: job.followUps,
});

/** One model run against one fresh server. */
class Harness {
  state: ModelState;
  /** Server ids by creation index, and the version each job was last seen at. */
  readonly ids: string[] = [];
  readonly versions: number[] = [];
  readonly server: ServerFixture;
  #last: Action | null = null;
  /** Ids of the jobs the last reaper pass moved (the reaper answers no HTTP request). */
  #reaped: string[] = [];
  /** The op being run with its choices made (job index, token), for failure messages. */
  current: Action | null = null;

  constructor(server: ServerFixture) {
    this.server = server;
    this.state = initialState(server.clock.now());
  }

  /** Runs one op on both sides and checks them; answers what both said (null: not a request, or skipped). */
  async run(op: Op): Promise<Answer | null> {
    this.current = null;
    const action = op.op === 'again' ? this.#again() : resolve(this.state, op);
    if (!action || (action.kind === 'create' && this.state.jobs.length >= MAX_JOBS)) return null;
    this.#last = action;
    this.current = action;
    const observed = await this.perform(action);
    if (action.kind === 'claim') action.token = observed?.body?.lease_token;
    const result = step(this.state, action);
    this.checkAnswer(action, observed, result);
    this.state = result.state;
    await this.checkAllJobs(result);
    return result.answer;
  }

  /** The previous action exactly (same job, same token); a claim asks for a new lease. */
  #again(): Action | null {
    if (!this.#last) return null;
    return this.#last.kind === 'claim' ? { ...this.#last, token: undefined } : { ...this.#last };
  }

  #id(index: number): string {
    return this.ids[index] ?? GHOST_JOB;
  }

  async perform(action: Action): Promise<Observed | null> {
    const { server } = this;
    const leaseBody = (lease: string | undefined) => (lease === undefined ? {} : { lease_token: lease });
    switch (action.kind) {
      case 'create':
        return server.api('POST', '/jobs', {
          repo_url: REPO,
          // Each job on its own branch, so branch holding never decides a claim here.
          branch_name: `model/job-${this.state.jobs.length}`,
          spec_json: { prompt: `Model job ${this.state.jobs.length}` },
          max_attempts: action.maxAttempts,
          priority: action.priority,
        });
      case 'claim':
        return server.api('POST', `/jobs/claim?worker_id=${action.worker}&lease_ms=${action.leaseMs}`);
      case 'heartbeat':
      case 'release':
        return server.api('POST', `/jobs/${this.#id(action.job)}/${action.kind}`, leaseBody(action.token));
      case 'complete':
        return server.api('POST', `/jobs/${this.#id(action.job)}/complete`, {
          status: action.status,
          ...leaseBody(action.token),
          ...(action.retryable ? { retryable: true } : {}),
        });
      case 'continue':
        return server.api('POST', `/jobs/${this.#id(action.job)}/continue`, { prompt: 'And add a test' });
      case 'cancel':
      case 'retry':
        return server.api('POST', `/jobs/${this.#id(action.job)}/${action.kind}`);
      case 'delete':
        return server.api('DELETE', `/jobs/${this.#id(action.job)}`);
      case 'advance': {
        server.clock.advance(action.ms);
        if (!action.reap) return null;
        const reaper = new Reaper({ store: server.store, now: () => server.clock.now() });
        const reaped = await reaper.runOnce();
        this.#reaped = reaped.map((job) => job.id);
        return null;
      }
      case 'restart':
        await server.restart();
        return null;
    }
  }

  checkAnswer(action: Action, observed: Observed | null, result: Outcome): void {
    if (action.kind === 'advance' && action.reap) {
      const expected = result.reaped.map((index) => this.#id(index)).sort();
      assert.deepEqual([...this.#reaped].sort(), expected, 'the jobs the reaper moved');
      return;
    }
    if (!result.answer || !observed) return;
    assert.deepEqual(answerOf(observed), result.answer, `answer body: ${JSON.stringify(observed.body)}`);
    if (result.answer.status === 201) this.ids.push(observed.body.id);
    if (action.kind === 'claim' && result.claimed !== null) {
      assert.equal(observed.body.id, this.#id(result.claimed), 'the claim handed out another job');
    }
    if (action.kind === 'heartbeat' && result.answer.status === 200) {
      const job = result.state.jobs[action.job]!;
      assert.deepEqual(observed.body, {
        lease_expires_at: modelView(job).lease_expires_at,
        cancel_requested: job.cancelRequested,
      });
      return;
    }
    // Every other success (but a delete's 204) answers with the job as it now is.
    const answered = answeredJob(action, result);
    if (result.answer.status < 300 && answered !== null) {
      assert.deepEqual(apiView(observed.body), modelView(result.state.jobs[answered]!), 'the answered job');
    }
  }

  /** Every job the server lists agrees with the model; versions moved exactly where the model wrote. */
  async checkAllJobs(result: Outcome): Promise<void> {
    const listed = await this.server.api('GET', '/jobs?limit=500');
    assert.equal(listed.status, 200);
    const live = this.state.jobs.flatMap((job, index) => (job.deleted ? [] : [index])).reverse();
    assert.deepEqual(
      listed.body.jobs.map((job: any) => job.id),
      live.map((index) => this.#id(index)),
      'the jobs listed (newest first)',
    );
    for (const [position, index] of live.entries()) {
      const job = listed.body.jobs[position];
      assert.deepEqual(apiView(job), modelView(this.state.jobs[index]!), `job ${index}`);
      const before = this.versions[index];
      if (before !== undefined && result.wrote.includes(index)) {
        assert.ok(job.version > before, `job ${index} was written: version ${before} -> ${job.version}`);
      } else if (before !== undefined) {
        assert.equal(job.version, before, `job ${index} was not written, yet its version moved`);
      }
      this.versions[index] = job.version;
    }
  }
}

/** The job a successful answer carries, by creation index. */
function answeredJob(action: Action, result: Outcome): number | null {
  if (action.kind === 'create') return result.state.jobs.length - 1;
  if (action.kind === 'claim') return result.claimed;
  if (action.kind === 'delete' || !('job' in action)) return null;
  return action.job;
}

const answerOf = (observed: Observed): Answer => ({
  status: observed.status,
  code: observed.status >= 400 ? (observed.body?.code ?? '(no code)') : null,
});

/**
 * Runs `ops` against a fresh real server and the model, failing at the first disagreement with the
 * op's position in the message. Answers the agreed answer of each op, so a regression can also state
 * the answer it is about. Always cleans up the server and its temp folder.
 */
export async function runOps(ops: readonly Op[]): Promise<Array<Answer | null>> {
  const server = await startServer();
  const harness = new Harness(server);
  const answers: Array<Answer | null> = [];
  try {
    for (const [position, op] of ops.entries()) {
      try {
        answers.push(await harness.run(op));
      } catch (error) {
        // The assertion's message (with its diff, server + model -) under the op and its choices.
        const choices = JSON.stringify(harness.current);
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`op #${position} ${JSON.stringify(op)} as ${choices} disagrees:\n${message}`, {
          cause: error,
        });
      }
    }
  } finally {
    await server.cleanup();
  }
  return answers;
}
