/** The seed's check and lease fencing, over real HTTP with a clock the test moves. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';

const body = { repo_url: '/srv/repos/app', spec_json: { prompt: 'Fix the flaky test' } };

describe('the seed: optimistic locking on completion', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.cleanup());

  it('refuses to complete a pending job as done with 409 and leaves it pending', async () => {
    const created = await server.api('POST', '/jobs', { ...body, worker_type: 'seed-a' });
    const answer = await server.api('POST', `/jobs/${created.body.id}/complete`, {
      status: 'done',
      result_summary: 'x',
    });
    assert.equal(answer.status, 409);
    assert.equal(answer.body.code, 'invalid_transition');
    assert.equal(answer.body.status, 'pending');
    const job = await server.api('GET', `/jobs/${created.body.id}`);
    assert.equal(job.body.status, 'pending');
    assert.equal(job.body.result_summary, null);
    assert.equal(job.body.version, 1);
  });

  it('completes a running job as done', async () => {
    await server.api('POST', '/jobs', { ...body, worker_type: 'seed-b' });
    const claimed = await server.api('POST', '/jobs/claim?worker_type=seed-b');
    const answer = await server.api('POST', `/jobs/${claimed.body.id}/complete`, {
      status: 'done',
      result_summary: { files_changed: 2 },
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.status, 'done');
    assert.deepEqual(answer.body.result_summary, { files_changed: 2 });
  });

  it('answers 404 not_found for completing a job that does not exist', async () => {
    const answer = await server.api('POST', '/jobs/6f1c1f7e-0000-4000-8000-000000000000/complete', {
      status: 'done',
    });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.code, 'not_found');
  });
});

describe('fencing with lease tokens', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.cleanup());

  it('refuses the old lease after expiry and re-claim, and lets the new holder complete', async () => {
    const created = await server.api('POST', '/jobs', { ...body, worker_type: 'fence' });
    const first = await server.api('POST', '/jobs/claim?worker_type=fence&worker_id=old&lease_ms=1000');
    assert.equal(first.status, 200);
    server.clock.advance(1_001);
    await server.store.reapExpired();
    const second = await server.api('POST', '/jobs/claim?worker_type=fence&worker_id=new&lease_ms=1000');
    assert.equal(second.status, 200);
    assert.equal(second.body.attempt, 2);
    assert.notEqual(second.body.lease_token, first.body.lease_token);

    const id = created.body.id;
    const old = first.body.lease_token;
    const stale = [
      await server.api('POST', `/jobs/${id}/heartbeat`, { lease_token: old }),
      await server.api('POST', `/jobs/${id}/logs`, {
        lease_token: old,
        entries: [{ stream: 'stdout', text: 'late' }],
      }),
      await server.api('POST', `/jobs/${id}/complete`, { status: 'done', lease_token: old }),
      await server.api('POST', `/jobs/${id}/release`, { lease_token: old }),
    ];
    for (const answer of stale) {
      assert.equal(answer.status, 409);
      assert.equal(answer.body.code, 'stale_lease');
    }
    assert.deepEqual(
      (await server.api('GET', `/jobs/${id}/logs`)).body.entries,
      [],
      'no log line from the old attempt',
    );

    const done = await server.api('POST', `/jobs/${id}/complete`, {
      status: 'done',
      lease_token: second.body.lease_token,
    });
    assert.equal(done.status, 200);
    assert.equal(done.body.lease_owner, 'new');
    const history = (await server.api('GET', `/jobs/${id}/events`)).body.events;
    assert.deepEqual(
      history.map((e: any) => `${e.type}:${e.attempt}`),
      ['created:0', 'claimed:1', 'expired:1', 'claimed:2', 'completed:2'],
    );
  });

  it('answers a repeated identical completion with 200 and the stored job, changing nothing', async () => {
    await server.api('POST', '/jobs', { ...body, worker_type: 'repeat' });
    const claimed = await server.api('POST', '/jobs/claim?worker_type=repeat');
    const request = { status: 'done', result_summary: { ok: true }, lease_token: claimed.body.lease_token };
    const first = await server.api('POST', `/jobs/${claimed.body.id}/complete`, request);
    const second = await server.api('POST', `/jobs/${claimed.body.id}/complete`, request);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    const events = (await server.api('GET', `/jobs/${claimed.body.id}/events`)).body.events;
    assert.equal(events.filter((e: any) => e.type === 'completed').length, 1);
  });

  it('refuses a different completion of an attempt that already finished', async () => {
    await server.api('POST', '/jobs', { ...body, worker_type: 'differ' });
    const claimed = await server.api('POST', '/jobs/claim?worker_type=differ');
    const token = claimed.body.lease_token;
    await server.api('POST', `/jobs/${claimed.body.id}/complete`, { status: 'done', lease_token: token });
    const other = await server.api('POST', `/jobs/${claimed.body.id}/complete`, {
      status: 'failed',
      lease_token: token,
    });
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'conflict');
    assert.equal((await server.api('GET', `/jobs/${claimed.body.id}`)).body.status, 'done');
  });

  it('tells the holder at its heartbeat that a cancel was requested', async () => {
    await server.api('POST', '/jobs', { ...body, worker_type: 'cancel-hb' });
    const claimed = await server.api('POST', '/jobs/claim?worker_type=cancel-hb');
    const beat = await server.api('POST', `/jobs/${claimed.body.id}/heartbeat`, {
      lease_token: claimed.body.lease_token,
    });
    assert.equal(beat.body.cancel_requested, false);
    await server.api('POST', `/jobs/${claimed.body.id}/cancel`);
    const next = await server.api('POST', `/jobs/${claimed.body.id}/heartbeat`, {
      lease_token: claimed.body.lease_token,
    });
    assert.equal(next.status, 200);
    assert.equal(next.body.cancel_requested, true);
    assert.ok(Date.parse(next.body.lease_expires_at) > server.clock.now());
  });
});
