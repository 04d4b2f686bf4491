/** Completions that are not repeats must not be acknowledged as repeats; a requested cancel must stick. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';

const body = (workerType: string, extra: Record<string, unknown> = {}) => ({
  repo_url: '/srv/repos/app',
  branch_name: `review/${workerType}`,
  worker_type: workerType,
  spec_json: { prompt: 'Fix the flaky test' },
  ...extra,
});

describe('completion after someone else finished the attempt', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.cleanup());

  it("refuses a late worker's failed completion with 409 once the reaper has failed its attempt, instead of answering 200 and dropping its result", async () => {
    await server.api('POST', '/jobs', body('late-reaped', { max_attempts: 1 }));
    const claimed = await server.api('POST', '/jobs/claim?worker_type=late-reaped&lease_ms=1000');
    assert.equal(claimed.status, 200);
    server.clock.advance(1_001);
    await server.store.reapExpired();
    assert.equal((await server.api('GET', `/jobs/${claimed.body.id}`)).body.status, 'failed');

    const late = await server.api('POST', `/jobs/${claimed.body.id}/complete`, {
      status: 'failed',
      lease_token: claimed.body.lease_token,
      result_summary: { error: 'compiler crashed', log_tail: '...' },
    });
    const stored = await server.api('GET', `/jobs/${claimed.body.id}`);
    assert.notDeepEqual(stored.body.result_summary, { error: 'compiler crashed', log_tail: '...' });
    assert.equal(
      late.status,
      409,
      "answered 200 as if the worker's completion were a repeat; its result_summary was silently dropped",
    );
  });

  it("refuses a worker's done completion with 409 once the attempt was completed without a token, instead of answering 200 and dropping its result", async () => {
    await server.api('POST', '/jobs', body('late-manual'));
    const claimed = await server.api('POST', '/jobs/claim?worker_type=late-manual');
    const manual = await server.api('POST', `/jobs/${claimed.body.id}/complete`, {
      status: 'done',
      result_summary: { note: 'closed by hand' },
    });
    assert.equal(manual.status, 200);

    const worker = await server.api('POST', `/jobs/${claimed.body.id}/complete`, {
      status: 'done',
      lease_token: claimed.body.lease_token,
      result_summary: { commit: 'abc123', files_changed: 4 },
    });
    assert.equal(
      worker.status,
      409,
      'not a repeat of the same completion: the first one carried no token and another result',
    );
  });

  it('refuses a repeated retryable failure as stale: the job was handed back and may already be with another worker', async () => {
    await server.api('POST', '/jobs', body('repeat-retryable'));
    const claimed = await server.api('POST', '/jobs/claim?worker_type=repeat-retryable');
    const completion = { status: 'failed', retryable: true, lease_token: claimed.body.lease_token };
    const first = await server.api('POST', `/jobs/${claimed.body.id}/complete`, completion);
    assert.equal(first.status, 200);
    assert.equal(first.body.status, 'pending');
    const repeat = await server.api('POST', `/jobs/${claimed.body.id}/complete`, completion);
    assert.equal(repeat.status, 409);
    assert.equal(repeat.body.code, 'stale_lease');
    const stored = await server.api('GET', `/jobs/${claimed.body.id}`);
    assert.equal(stored.body.version, first.body.version, 'the repeat changed nothing');
  });
});

describe('a cancel requested on a running job', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.cleanup());

  it('is honoured when the worker then reports a retryable failure: the job does not go back to the queue', async () => {
    await server.api('POST', '/jobs', body('cancel-then-retryable'));
    const claimed = await server.api('POST', '/jobs/claim?worker_type=cancel-then-retryable');
    const cancel = await server.api('POST', `/jobs/${claimed.body.id}/cancel`);
    assert.equal(cancel.body.cancel_requested, true);

    const completion = await server.api('POST', `/jobs/${claimed.body.id}/complete`, {
      status: 'failed',
      retryable: true,
      lease_token: claimed.body.lease_token,
    });
    assert.equal(completion.status, 200);
    assert.equal(
      completion.body.status,
      'cancelled',
      'the cancel request was dropped (the job was re-queued or failed instead)',
    );
    const again = await server.api('POST', '/jobs/claim?worker_type=cancel-then-retryable');
    assert.equal(again.status, 404, 'a cancelled job was handed to another worker');
  });
});
