/** A long poll whose client has left must not take a job: no phantom claim, no attempt spent. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClaimWaiter } from '../../src/orchestrator/claim-waiter.ts';
import { newJob, openStore, type StoreFixture } from '../helpers.ts';

describe('a long-poll claim whose client disconnects', () => {
  let f: StoreFixture;
  beforeEach(() => {
    f = openStore();
  });
  afterEach(async () => f.cleanup());

  it('does not claim (and then release) a job that becomes claimable at the moment the client leaves', async () => {
    const { store } = f;
    const waiter = createClaimWaiter(store, 50);
    const gone = new AbortController();
    const waiting = waiter.claim(
      { workerType: 'default', workerId: 'w', leaseMs: 60_000 },
      10_000,
      gone.signal,
    );
    await sleep(20); // the claim found nothing and is waiting

    // A job is submitted in the same turn as the client hangs up (the route aborts on 'close').
    const created = store.createJob(newJob({ max_attempts: 2 }));
    gone.abort();
    assert.equal(await waiting, undefined);

    const { job } = await created;
    const stored = await store.getJob(job.id);
    const types = (await store.jobEvents(job.id)).map((event) => event.type);
    assert.deepEqual(types, ['created'], 'a claimant that had already left claimed and released the job');
    assert.equal(stored.attempt, 0, 'one of the job’s attempts was spent on nobody');
  });

  it('hands back a job claimed in the instant its client left, and does not count the attempt', async () => {
    const { store, clock } = f;
    const { job } = await store.createJob(newJob({ max_attempts: 2 }));
    const waiter = createClaimWaiter(store, 50);
    const gone = new AbortController();
    // The claim is already on its way to the store when the client hangs up, in the same turn.
    const waiting = waiter.claim({ workerType: 'default', workerId: 'w', leaseMs: 1_000 }, 0, gone.signal);
    gone.abort();
    assert.equal(await waiting, undefined, 'nothing is handed to a client that has left');
    const events = await store.jobEvents(job.id);
    assert.deepEqual(
      events.map((event) => event.type),
      ['created', 'claimed', 'released'],
    );
    assert.equal(events[2]?.reason, 'claimant disconnected');
    // The refunded attempt leaves both attempts to real workers: a second claim whose lease runs
    // out goes back to pending rather than failing the job.
    assert.ok(await store.claim({ workerType: 'default', workerId: 'w2', leaseMs: 1_000 }));
    clock.advance(1_001);
    await store.reapExpired();
    assert.equal((await store.getJob(job.id)).status, 'pending');
  });
});
