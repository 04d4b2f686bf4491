/** Cleanup deletes what it listed; a job that came back to life since the listing must survive. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { newJob, openStore, type StoreFixture } from '../../helpers.ts';

const DAY_MS = 86_400_000;

describe('cleanup racing a continue', () => {
  let f: StoreFixture;
  beforeEach(() => {
    f = openStore();
  });
  afterEach(async () => f.cleanup());

  it('keeps a job that was continued back to pending after cleanup listed it', async () => {
    const { store, clock } = f;
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { job } = await store.createJob(newJob({ branch_name: `old-${i}` }));
      const claimed = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 });
      assert.equal(claimed?.id, job.id);
      await store.complete(job.id, { status: 'done', leaseToken: claimed.lease_token as string });
      ids.push(job.id);
    }
    clock.advance(8 * DAY_MS);
    const last = ids[2] as string;

    // cleanup lists its candidates now, then deletes them one transaction at a time; a person
    // continues the last one meanwhile (an HTTP request landing while cleanup is under way).
    const cleaning = store.cleanup({ statuses: ['done'], updatedBefore: clock.now() - 7 * DAY_MS });
    const continued = await store.continueJob(last, 'one more thing, please');
    assert.equal(continued.status, 'pending');
    await cleaning;

    const survivor = await store.getJob(last).catch(() => undefined);
    assert.ok(
      survivor !== undefined,
      'the continued job (pending, just updated, not old) was deleted by cleanup: the follow-up is lost',
    );
    assert.equal(survivor?.status, 'pending');
  });
});
