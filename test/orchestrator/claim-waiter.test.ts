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
});
