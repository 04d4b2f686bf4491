import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BatonClient } from '../../src/client/client.ts';
import { BatonApiError, BatonConnectionError } from '../../src/client/errors.ts';
import type { CreateJobInput } from '../../src/client/types.ts';
import { closedPortUrl, type ServerFixture, startServer } from '../helpers.ts';

const input = (overrides: Partial<CreateJobInput> = {}): CreateJobInput => ({
  repo_url: '/srv/repos/app',
  spec_json: { prompt: 'Add a health check endpoint' },
  ...overrides,
});

async function rejectsWithApiError(promise: Promise<unknown>): Promise<BatonApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BatonApiError, `expected BatonApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('BatonClient over a real server', () => {
  let server: ServerFixture;
  let client: BatonClient;

  beforeEach(async () => {
    server = await startServer();
    client = new BatonClient({ url: server.url });
  });
  afterEach(() => server.cleanup());

  it('creates a job and reads it back with ISO times and the server defaults', async () => {
    const created = await client.createJob(input({ priority: 3 }));
    assert.equal(created.status, 'pending');
    assert.equal(created.priority, 3);
    assert.equal(created.base_ref, 'main');
    assert.equal(created.created_at, new Date(server.clock.now()).toISOString());
    assert.deepEqual(await client.getJob(created.id), created);
  });

  it('returns the first job again for a repeated idempotency key', async () => {
    const first = await client.createJob(input(), { idempotencyKey: 'submit-42' });
    const again = await client.createJob(input(), { idempotencyKey: 'submit-42' });
    assert.equal(again.id, first.id);
    const { jobs } = await client.listJobs();
    assert.equal(jobs.length, 1);
  });

  it('lists jobs by status and follows the cursor to the next page', async () => {
    const a = await client.createJob(input());
    const b = await client.createJob(input());
    const c = await client.createJob(input());
    await client.cancel(b.id);
    const pending = await client.listJobs({ status: ['pending'] });
    assert.deepEqual(
      pending.jobs.map((job) => job.id),
      [c.id, a.id],
    );
    const first = await client.listJobs({ limit: 2 });
    assert.deepEqual(
      first.jobs.map((job) => job.id),
      [c.id, b.id],
    );
    assert.ok(first.next_cursor);
    const second = await client.listJobs({ limit: 2, cursor: first.next_cursor });
    assert.deepEqual(
      second.jobs.map((job) => job.id),
      [a.id],
    );
    assert.equal(second.next_cursor, null);
  });

  it('lists every job across pages of the server’s largest size, or stops at a maximum', async () => {
    const created = await Promise.all(
      Array.from({ length: 501 }, () =>
        server.store.createJob({ repo_url: '/srv/repos/app', spec_json: { prompt: 'p' } }),
      ),
    );
    const all = await client.listAllJobs();
    assert.equal(all.length, 501, 'the second page was read');
    assert.deepEqual(new Set(all.map((job) => job.id)), new Set(created.map(({ job }) => job.id)));
    assert.equal((await client.listAllJobs({}, 3)).length, 3);
    assert.equal((await client.listAllJobs({ status: ['done'] })).length, 0);
  });

  it('resolves a claim to null when nothing is claimable', async () => {
    assert.equal(await client.claim({ workerId: 'w1' }), null);
  });

  it('runs a job through claim, heartbeat, logs and complete, and reads its history', async () => {
    const job = await client.createJob(input());
    const claimed = await client.claim({ workerId: 'w1', leaseMs: 5_000 });
    assert.ok(claimed);
    assert.equal(claimed.id, job.id);
    assert.equal(claimed.status, 'running');
    assert.equal(claimed.attempt, 1);
    assert.equal(claimed.lease_owner, 'w1');
    server.clock.advance(1_000);
    const beat = await client.heartbeat(job.id, claimed.lease_token);
    assert.equal(beat.lease_expires_at, new Date(server.clock.now() + 5_000).toISOString());
    assert.equal(beat.cancel_requested, false);
    const appended = await client.appendLogs(
      job.id,
      [
        { stream: 'agent', text: 'editing src/app.ts' },
        { stream: 'stderr', text: 'warning: x' },
      ],
      claimed.lease_token,
    );
    assert.equal(appended.appended, 2);
    const done = await client.complete(job.id, {
      status: 'done',
      lease_token: claimed.lease_token,
      result_summary: { files: 1 },
    });
    assert.equal(done.status, 'done');
    assert.deepEqual(done.result_summary, { files: 1 });
    const logs = await client.readLogs(job.id);
    assert.deepEqual(
      logs.entries.map((entry) => [entry.stream, entry.text, entry.attempt]),
      [
        ['agent', 'editing src/app.ts', 1],
        ['stderr', 'warning: x', 1],
      ],
    );
    assert.equal(logs.next_after, appended.last_seq);
    assert.deepEqual((await client.readLogs(job.id, { after: logs.next_after })).entries, []);
    const events = await client.jobEvents(job.id);
    assert.deepEqual(
      events.map((event) => [event.type, event.to_status]),
      [
        ['created', 'pending'],
        ['claimed', 'running'],
        ['completed', 'done'],
      ],
    );
  });

  it('releases a lease, and continues, retries and deletes jobs', async () => {
    const job = await client.createJob(input());
    const claimed = await client.claim({ workerId: 'w1' });
    assert.ok(claimed);
    assert.equal((await client.release(job.id, claimed.lease_token, 'shutting down')).status, 'pending');
    const again = await client.claim({ workerId: 'w2' });
    assert.ok(again);
    await client.complete(job.id, { status: 'failed', lease_token: again.lease_token });
    assert.equal((await client.retry(job.id)).status, 'pending');
    assert.equal((await client.cancel(job.id)).status, 'cancelled');
    assert.equal((await client.retry(job.id)).status, 'pending');
    const third = await client.claim({ workerId: 'w3' });
    assert.ok(third);
    await client.complete(job.id, { status: 'done', lease_token: third.lease_token });
    const followed = await client.continueJob(job.id, 'Now add a test');
    assert.equal(followed.status, 'pending');
    assert.deepEqual(
      followed.spec_json.follow_ups?.map((f) => f.prompt),
      ['Now add a test'],
    );
    await client.cancel(job.id);
    await client.deleteJob(job.id);
    const gone = await rejectsWithApiError(client.getJob(job.id));
    assert.equal(gone.code, 'not_found');
  });

  it('throws BatonApiError with the status, code and details of a refused transition', async () => {
    const job = await client.createJob(input());
    const error = await rejectsWithApiError(client.complete(job.id, { status: 'done' }));
    assert.equal(error.status, 409);
    assert.equal(error.code, 'invalid_transition');
    assert.deepEqual(error.details, { job_id: job.id, status: 'pending', target: 'done' });
    assert.match(error.message, /is pending/);
  });

  it('throws stale_lease for the token of an older attempt', async () => {
    const job = await client.createJob(input());
    const first = await client.claim({ workerId: 'w1' });
    assert.ok(first);
    await client.release(job.id, first.lease_token);
    const second = await client.claim({ workerId: 'w2' });
    assert.ok(second);
    const error = await rejectsWithApiError(client.heartbeat(job.id, first.lease_token));
    assert.equal(error.status, 409);
    assert.equal(error.code, 'stale_lease');
    assert.equal(error.details.attempt, 2);
  });

  it('throws not_found with the job id for an unknown job', async () => {
    const id = '01900000-0000-7000-8000-000000000000';
    const error = await rejectsWithApiError(client.getJob(id));
    assert.equal(error.status, 404);
    assert.equal(error.code, 'not_found');
    assert.equal(error.details.job_id, id);
  });

  it('encodes ids in paths, so an id can never reach another route', async () => {
    const error = await rejectsWithApiError(client.getJob('../healthz'));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'validation_failed');
  });

  it('rejects an aborted long-poll claim with an AbortError, and the job stays claimable', async () => {
    const abort = new AbortController();
    const waiting = client.claim({ workerId: 'gone', waitMs: 30_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(waiting, (error: Error) => error.name === 'AbortError');
    const job = await client.createJob(input());
    const claimed = await client.claim({ workerId: 'w2', waitMs: 20_000 });
    assert.ok(claimed, 'a second worker gets the job');
    assert.equal(claimed.id, job.id);
    assert.equal(claimed.lease_owner, 'w2');
  });

  it('answers a long-poll claim as soon as a job is created', async () => {
    const waiting = client.claim({ workerId: 'w1', waitMs: 30_000 });
    const job = await client.createJob(input());
    const claimed = await waiting;
    assert.equal(claimed?.id, job.id);
  });

  it('reports health as true while the server answers', async () => {
    assert.equal(await client.health(), true);
  });
});

describe('BatonClient with a token', () => {
  it('sends the token as a bearer header; without it the server refuses with unauthorized', async () => {
    const token = 'a-long-enough-secret-token';
    const server = await startServer({ token });
    try {
      const anonymous = new BatonClient({ url: server.url });
      const error = await rejectsWithApiError(anonymous.listJobs());
      assert.equal(error.status, 401);
      assert.equal(error.code, 'unauthorized');
      const authorized = new BatonClient({ url: `${server.url}/`, token });
      assert.deepEqual(await authorized.listJobs(), { jobs: [], next_cursor: null });
    } finally {
      await server.cleanup();
    }
  });
});

describe('BatonClient without a server', () => {
  it('throws BatonConnectionError naming the URL and baton up', async () => {
    const url = await closedPortUrl();
    const client = new BatonClient({ url });
    await assert.rejects(client.getJob('01900000-0000-7000-8000-000000000000'), (error: Error) => {
      assert.ok(error instanceof BatonConnectionError);
      assert.equal(error.url, url);
      assert.ok(error.message.includes(url), error.message);
      assert.ok(error.message.includes('baton up'), error.message);
      assert.ok(error.message.includes('ECONNREFUSED'), error.message);
      return true;
    });
  });

  it('reports health as false instead of throwing', async () => {
    assert.equal(await new BatonClient({ url: await closedPortUrl() }).health(), false);
  });

  it('refuses a malformed URL at construction', () => {
    assert.throws(() => new BatonClient({ url: 'not a url' }), TypeError);
  });
});

describe('BatonApiError.fromBody', () => {
  it('keeps the code and details of the API error shape', () => {
    const error = BatonApiError.fromBody(
      409,
      'Conflict',
      JSON.stringify({ error: 'Job x is done', code: 'invalid_transition', job_id: 'x', status: 'done' }),
    );
    assert.equal(error.message, 'Job x is done');
    assert.equal(error.code, 'invalid_transition');
    assert.deepEqual(error.details, { job_id: 'x', status: 'done' });
  });

  it('gives a body that is not the API shape (a proxy page) a code from its HTTP status', () => {
    const error = BatonApiError.fromBody(502, 'Bad Gateway', '<html>upstream down</html>');
    assert.equal(error.status, 502);
    assert.equal(error.code, 'http_502');
    assert.equal(error.message, 'HTTP 502 Bad Gateway');
  });
});
