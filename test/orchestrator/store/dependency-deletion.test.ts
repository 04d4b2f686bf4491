/** The dependency rule holds for jobs that come back through retry, not only for new ones. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { newJob, openStore, type StoreFixture } from '../../helpers.ts';

describe('deleting a dependency', () => {
  let f: StoreFixture;
  beforeEach(() => {
    f = openStore();
  });
  afterEach(async () => f.cleanup());

  it('never lets a dependency that was not done disappear while a job still names it, so a retry cannot skip it', async () => {
    const { store } = f;
    const a = (await store.createJob(newJob({ branch_name: 'schema-migration' }))).job;
    const b = (await store.createJob(newJob({ branch_name: 'use-new-schema', depends_on: [a.id] }))).job;
    const claimedA = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 });
    assert.equal(claimedA?.id, a.id);
    await store.complete(a.id, { status: 'failed', leaseToken: claimedA.lease_token as string });
    assert.equal((await store.getJob(b.id)).status, 'cancelled', 'cascade');

    // A was never done, so it may not disappear while B still names it (by hand or by cleanup).
    await assert.rejects(
      store.deleteJob(a.id),
      (error: any) => error.code === 'conflict' && error.details.dependent_id === b.id,
    );
    assert.equal(
      await store.cleanup({ statuses: ['failed', 'cancelled'], updatedBefore: f.clock.now() + 1 }),
      1,
    );
    await assert.rejects(
      store.getJob(b.id),
      (error: any) => error.code === 'not_found',
      'cleanup removed B first',
    );
    assert.equal((await store.getJob(a.id)).status, 'failed', '...and kept A while B named it');
    assert.equal(
      await store.cleanup({ statuses: ['failed', 'cancelled'], updatedBefore: f.clock.now() + 1 }),
      1,
    );
  });
});
