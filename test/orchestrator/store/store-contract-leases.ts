/** Contract cases for claims, leases, fencing and the reaper. Run by `describeStore`. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newJob } from '../../helpers.ts';
import type { StoreHarness } from './store-contract.ts';
import { jobIn, rejectsWith } from './store-fixtures.ts';

export function leaseCases(harness: () => StoreHarness): void {
  const claim = (workerType = 'default', workerId = 'w1', leaseMs = 10_000) =>
    harness().store.claim({ workerType, workerId, leaseMs });

  it('claims in priority order, then submission order, and only the requested worker type', async () => {
    const { store } = harness();
    const low = await store.createJob(newJob({ branch_name: 'a', priority: 0 }));
    const high = await store.createJob(newJob({ branch_name: 'b', priority: 5 }));
    const lowLater = await store.createJob(newJob({ branch_name: 'c', priority: 0 }));
    await store.createJob(newJob({ branch_name: 'd', worker_type: 'gpu', priority: 100 }));
    const order = [];
    for (let i = 0; i < 3; i += 1) order.push((await claim())?.id);
    assert.deepEqual(order, [high.job.id, low.job.id, lowLater.job.id]);
    assert.equal(await claim(), undefined);
  });

  it('grants a lease with a fresh token, an attempt number and an expiry', async () => {
    const { store, clock } = harness();
    await store.createJob(newJob());
    const claimed = await claim('default', 'worker-7', 5_000);
    assert.ok(claimed);
    assert.equal(claimed.attempt, 1);
    assert.equal(claimed.lease_owner, 'worker-7');
    assert.match(claimed.lease_token ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(claimed.lease_expires_at, clock.now() + 5_000);
  });

  it('does not hand out a job whose dependencies are not all done', async () => {
    const { store } = harness();
    const first = await store.createJob(newJob({ branch_name: 'first' }));
    const second = await store.createJob(newJob({ branch_name: 'second', depends_on: [first.job.id] }));
    const a = await claim();
    assert.equal(a?.id, first.job.id);
    assert.equal(await claim(), undefined);
    await store.complete(first.job.id, { status: 'done', leaseToken: a?.lease_token as string });
    assert.equal((await claim())?.id, second.job.id);
  });

  it('holds a repo and branch for one running or paused job at a time', async () => {
    const { store } = harness();
    const one = await store.createJob(newJob({ branch_name: 'shared' }));
    const two = await store.createJob(newJob({ branch_name: 'shared' }));
    const held = await claim();
    assert.equal(held?.id, one.job.id);
    assert.equal(await claim(), undefined);
    await store.complete(one.job.id, { status: 'awaiting_input', leaseToken: held?.lease_token as string });
    assert.equal(await claim(), undefined, 'awaiting_input still holds the branch');
    await store.complete(one.job.id, { status: 'done' });
    assert.equal((await claim())?.id, two.job.id);
  });

  it('does not hand out a job before its run_at', async () => {
    const { store, clock } = harness();
    await store.createJob(newJob({ run_at: clock.now() + 60_000 }));
    assert.equal(await claim(), undefined);
    clock.advance(60_000);
    assert.ok(await claim());
  });

  it('fences off the old lease after expiry and a new claim; the new holder completes', async () => {
    const { store, clock } = harness();
    await store.createJob(newJob());
    const first = await claim('default', 'old', 1_000);
    assert.ok(first);
    clock.advance(1_001);
    assert.equal((await store.reapExpired())[0]?.status, 'pending');
    const second = await claim('default', 'new', 1_000);
    assert.ok(second);
    assert.equal(second.attempt, 2);
    const old = first.lease_token as string;
    await rejectsWith(store.heartbeat(first.id, old), 'stale_lease');
    await rejectsWith(store.appendLogs(first.id, [{ stream: 'stdout', text: 'late' }], old), 'stale_lease');
    await rejectsWith(store.complete(first.id, { status: 'done', leaseToken: old }), 'stale_lease');
    await rejectsWith(store.release(first.id, old), 'stale_lease');
    const done = await store.complete(first.id, { status: 'done', leaseToken: second.lease_token as string });
    assert.equal(done.status, 'done');
    assert.equal(done.lease_owner, 'new');
  });

  it('answers a repeated identical completion with the stored job and changes nothing', async () => {
    const { store } = harness();
    await store.createJob(newJob());
    const c = await claim();
    const token = c?.lease_token as string;
    const done = await store.complete(c?.id as string, {
      status: 'done',
      result_summary: { a: 1 },
      leaseToken: token,
    });
    const again = await store.complete(c?.id as string, {
      status: 'done',
      result_summary: { a: 2 },
      leaseToken: token,
    });
    assert.deepEqual(again, done);
    assert.equal((await store.jobEvents(done.id)).filter((e) => e.type === 'completed').length, 1);
    await rejectsWith(store.complete(done.id, { status: 'failed', leaseToken: token }), 'conflict');
  });

  it('extends the lease on heartbeat and reports a requested cancel', async () => {
    const { store, clock } = harness();
    await store.createJob(newJob());
    const c = await claim('default', 'w', 1_000);
    const token = c?.lease_token as string;
    clock.advance(900);
    const beat = await store.heartbeat(c?.id as string, token);
    assert.equal(beat.lease_expires_at, clock.now() + 1_000);
    clock.advance(900);
    assert.deepEqual(await store.reapExpired(), [], 'the renewed lease has not run out');
    await store.cancel(c?.id as string);
    assert.equal((await store.heartbeat(c?.id as string, token)).cancel_requested, true);
    const cancelled = await store.complete(c?.id as string, { status: 'cancelled', leaseToken: token });
    assert.equal(cancelled.status, 'cancelled');
  });

  it('fails a job whose lease runs out on its last attempt, with the reason recorded', async () => {
    const { store, clock } = harness();
    await store.createJob(newJob({ max_attempts: 2 }));
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      assert.ok(await claim('default', `w${attempt}`, 1_000));
      clock.advance(1_001);
      await store.reapExpired();
    }
    const { jobs } = await store.listJobs({ limit: 10 });
    const failed = jobs[0];
    assert.ok(failed);
    assert.equal(failed?.status, 'failed');
    assert.match(String((failed.result_summary as { error: string }).error), /all 2 attempts spent/);
    const expiries = (await store.jobEvents(failed?.id as string)).filter((e) => e.type === 'expired');
    assert.deepEqual(
      expiries.map((e) => e.to_status),
      ['pending', 'failed'],
    );
    assert.ok(expiries.every((e) => e.actor === 'reaper' && e.reason));
  });

  it('turns a release after a requested cancel into a cancellation', async () => {
    const { store } = harness();
    const running = await jobIn(store, 'running', 'rel');
    await store.cancel(running.id);
    const released = await store.release(running.id, running.lease_token as string);
    assert.equal(released.status, 'cancelled');
  });

  it('ends a job cancelled when, after a cancel request, its worker reports a question instead', async () => {
    const { store } = harness();
    const running = await jobIn(store, 'running', 'ask-after-cancel');
    await store.cancel(running.id);
    const ended = await store.complete(running.id, {
      status: 'awaiting_input',
      leaseToken: running.lease_token as string,
    });
    assert.equal(ended.status, 'cancelled');
    assert.match((await store.jobEvents(running.id)).at(-1)?.reason ?? '', /after cancel was requested/);
  });

  it('returns a retryable failure to pending while attempts are left', async () => {
    const { store } = harness();
    const running = await jobIn(store, 'running', 'retryable');
    const again = await store.complete(running.id, {
      status: 'failed',
      retryable: true,
      leaseToken: running.lease_token as string,
    });
    assert.equal(again.status, 'pending');
  });

  it('cancels pending dependents, transitively, when a job fails', async () => {
    const { store } = harness();
    const root = await jobIn(store, 'running', 'root');
    const child = await store.createJob(newJob({ depends_on: [root.id] }));
    const grandchild = await store.createJob(newJob({ depends_on: [child.job.id] }));
    await store.complete(root.id, { status: 'failed', leaseToken: root.lease_token as string });
    for (const id of [child.job.id, grandchild.job.id]) {
      assert.equal((await store.getJob(id)).status, 'cancelled');
      const last = (await store.jobEvents(id)).at(-1);
      assert.match(last?.reason ?? '', /^dependency .* (failed|cancelled)$/);
    }
  });

  it('records a continue prompt, keeps the conversation and gives a fresh budget of attempts', async () => {
    const { store } = harness();
    const running = await jobIn(store, 'running', 'cont');
    await store.complete(running.id, {
      status: 'done',
      conversation_id: 'thread-1',
      leaseToken: running.lease_token as string,
    });
    const continued = await store.continueJob(running.id, 'Now add tests');
    assert.equal(continued.status, 'pending');
    assert.equal(continued.conversation_id, 'thread-1');
    assert.equal(continued.spec_json.follow_ups?.at(-1)?.prompt, 'Now add tests');
    assert.equal(continued.attempt_base, continued.attempt);
    await rejectsWith(store.continueJob(running.id, 'again'), 'invalid_transition');
  });

  it('returns the first job for a repeated idempotency key and refuses the key with another body', async () => {
    const { store } = harness();
    const a = await store.createJob(newJob(), { idempotencyKey: 'k1' });
    const b = await store.createJob(newJob(), { idempotencyKey: 'k1' });
    assert.equal(b.created, false);
    assert.equal(b.job.id, a.job.id);
    await rejectsWith(store.createJob(newJob({ priority: 3 }), { idempotencyKey: 'k1' }), 'conflict');
  });

  it('treats the same body with its keys in another order as the same request under one idempotency key', async () => {
    const { store } = harness();
    const first = await store.createJob(
      { repo_url: '/srv/a', priority: 2, spec_json: { prompt: 'p', notes: 'n' } },
      { idempotencyKey: 'k2' },
    );
    const again = await store.createJob(
      { spec_json: { notes: 'n', prompt: 'p' }, priority: 2, repo_url: '/srv/a' },
      { idempotencyKey: 'k2' },
    );
    assert.equal(again.created, false);
    assert.equal(again.job.id, first.job.id);
  });

  it('refuses to delete a running job or one that others wait on', async () => {
    const { store } = harness();
    const running = await jobIn(store, 'running', 'del');
    await rejectsWith(store.deleteJob(running.id), 'conflict');
    const pending = await jobIn(store, 'pending', 'del2');
    await store.createJob(newJob({ depends_on: [pending.id] }));
    await rejectsWith(store.deleteJob(pending.id), 'conflict');
    const lone = await jobIn(store, 'done', 'del3');
    await store.deleteJob(lone.id);
    await rejectsWith(store.getJob(lone.id), 'not_found');
    assert.equal((await store.jobEvents(lone.id)).at(-1)?.type, 'deleted', 'the history outlives the job');
  });
}
