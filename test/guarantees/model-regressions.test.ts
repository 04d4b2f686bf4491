/**
 * Fixed operation sequences replayed through the model-based harness (a real server on a temp SQLite
 * file, checked against the model after every op). Each keeps a situation the random search reaches
 * only now and then, or a shrunk case it once found; each also states the answer it is about, so it
 * says something even if model and server were ever to drift the same way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOps } from './model/commands.ts';
import type { Answer } from './model/job-model.ts';
import type { Op } from './model/ops.ts';

const ok: Answer = { status: 200, code: null };
const stale: Answer = { status: 409, code: 'stale_lease' };
const conflict: Answer = { status: 409, code: 'conflict' };
const notFound: Answer = { status: 404, code: 'not_found' };
const invalid: Answer = { status: 409, code: 'invalid_transition' };

const create = (maxAttempts = 3, priority = 0): Op => ({ op: 'create', maxAttempts, priority });
const claim = (leaseMs = 1_000): Op => ({ op: 'claim', worker: 'w1', leaseMs });

describe('model regressions: fencing', () => {
  it('refuses the token of a reaped attempt on every worker call once the job was claimed again', async () => {
    const answers = await runOps([
      create(2),
      claim(),
      { op: 'advance', ms: 1_000, reap: true },
      { op: 'claim', worker: 'w2', leaseMs: 1_000 },
      { op: 'complete', job: 0, token: 'previous', status: 'done' },
      { op: 'heartbeat', job: 0, token: 'previous' },
      { op: 'release', job: 0, token: 'previous' },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
    ]);
    assert.deepEqual(answers.slice(4), [stale, stale, stale, ok]);
  });

  it('renews a lease that ran out while the reaper has not moved the job yet', async () => {
    const answers = await runOps([
      create(1),
      claim(1_000),
      { op: 'advance', ms: 1_000, reap: false },
      { op: 'heartbeat', job: 0, token: 'latest' },
      { op: 'advance', ms: 500, reap: true },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
    ]);
    assert.deepEqual(answers[3], ok);
    assert.deepEqual(answers[5], ok);
  });

  it('keeps the lease across a restart: the holder renews and completes with its token', async () => {
    const answers = await runOps([
      create(),
      claim(5_000),
      { op: 'advance', ms: 2_000, reap: false },
      { op: 'restart' },
      { op: 'heartbeat', job: 0, token: 'latest' },
      { op: 'advance', ms: 2_000, reap: true },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
      { op: 'again' },
    ]);
    assert.deepEqual([answers[4], answers[6], answers[7]], [ok, ok, ok]);
  });

  it('makes a retryable failure hand the job back, so the same report again is stale', async () => {
    const answers = await runOps([
      create(2),
      claim(),
      { op: 'complete', job: 0, token: 'latest', status: 'failed', retryable: true },
      { op: 'again' },
    ]);
    assert.deepEqual(answers.slice(2), [ok, stale]);
  });
});

describe('model regressions: attempts', () => {
  it('fails a retryable failure on the last attempt, and answers its repeat with 200', async () => {
    const answers = await runOps([
      create(1),
      claim(),
      { op: 'complete', job: 0, token: 'latest', status: 'failed', retryable: true },
      { op: 'again' },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
    ]);
    assert.deepEqual(answers.slice(2), [ok, ok, conflict]);
  });

  it('gives a continued job a fresh budget of attempts before the reaper fails it', async () => {
    // Shrunk from a run where the model forgot to reset the budget on continue.
    const answers = await runOps([
      create(2),
      claim(),
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
      { op: 'continue', job: 0 },
      claim(),
      { op: 'advance', ms: 60_000, reap: true },
      claim(),
      { op: 'advance', ms: 60_000, reap: true },
      { op: 'retry', job: 0 },
    ]);
    assert.deepEqual(answers[6], ok, 'the first expiry after continue put the job back to pending');
    assert.deepEqual(answers[8], ok, 'the second expiry after continue failed the job, so it retries');
  });

  it('claims by priority, then in submission order', async () => {
    const answers = await runOps([
      create(3, 0),
      create(3, 1),
      create(3, 0),
      claim(),
      claim(),
      claim(),
      claim(),
    ]);
    // Which job each claim got is checked by the harness against the model's claim order.
    assert.deepEqual(answers.slice(3), [ok, ok, ok, notFound]);
  });
});

describe('model regressions: cancel requests', () => {
  it('ends a job cancelled when its worker asks a question after a cancel was requested', async () => {
    const answers = await runOps([
      create(),
      claim(),
      { op: 'cancel', job: 0 },
      { op: 'again' },
      { op: 'heartbeat', job: 0, token: 'latest' },
      { op: 'complete', job: 0, token: 'latest', status: 'awaiting_input' },
      { op: 'retry', job: 0 },
    ]);
    assert.deepEqual(answers.slice(2), [ok, ok, ok, ok, ok]);
  });

  it('cancels a job whose lease ran out after a cancel was requested, whatever attempts are left', async () => {
    const answers = await runOps([
      create(3),
      claim(),
      { op: 'cancel', job: 0 },
      { op: 'advance', ms: 5_000, reap: true },
      { op: 'continue', job: 0 },
      { op: 'retry', job: 0 },
    ]);
    // Cancelled, not failed or pending: it cannot be continued, only retried.
    assert.deepEqual(answers.slice(4), [invalid, ok]);
  });

  it('lets only a completion without a token answer a question; the holder then is stale', async () => {
    const answers = await runOps([
      create(),
      claim(),
      { op: 'complete', job: 0, token: 'latest', status: 'awaiting_input' },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
      { op: 'complete', job: 0, token: 'none', status: 'done' },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
    ]);
    assert.deepEqual(answers.slice(2), [ok, conflict, ok, stale]);
  });
});

/**
 * Found by the property test (shrunk) and by the torture run: the server once told a repeat from
 * another completion by the job's stored status, so a report that a cancel request turned into
 * `cancelled` was refused (409) when its holder sent it again. It now keeps what the holder reported.
 */
describe('model regressions: a repeat is the same report, whatever the cancel request made of it', () => {
  it('answers a repeated retryable failure that a cancel request turned into cancelled with 200', async () => {
    const answers = await runOps([
      create(2),
      claim(),
      { op: 'cancel', job: 0 },
      { op: 'complete', job: 0, token: 'latest', status: 'failed', retryable: true },
      { op: 'again' },
      { op: 'complete', job: 0, token: 'latest', status: 'cancelled' },
    ]);
    assert.deepEqual(answers.slice(3), [ok, ok, conflict]);
  });

  it('answers a repeated awaiting_input that a cancel request turned into cancelled with 200', async () => {
    const answers = await runOps([
      create(),
      claim(),
      { op: 'cancel', job: 0 },
      { op: 'complete', job: 0, token: 'latest', status: 'awaiting_input' },
      { op: 'again' },
      { op: 'complete', job: 0, token: 'latest', status: 'done' },
    ]);
    assert.deepEqual(answers.slice(3), [ok, ok, conflict]);
  });
});
