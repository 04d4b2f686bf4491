/** Writes issued in the same turn share one commit but keep their own outcomes and their order. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BatonError } from '../../../src/orchestrator/models/errors.ts';
import { newJob, openStore, type StoreFixture } from '../../helpers.ts';

describe('group commit in the SQLite store', () => {
  let f: StoreFixture;
  beforeEach(() => {
    f = openStore();
  });
  afterEach(async () => f.cleanup());

  it('gives each write of one batch its own answer: the failures change nothing, the successes all land', async () => {
    const { store } = f;
    const a = (await store.createJob(newJob({ branch_name: 'a' }))).job;
    const b = (await store.createJob(newJob({ branch_name: 'b' }))).job;
    const before = await store.getJob(b.id);
    // Issued without awaiting in between: they run in one transaction, in this order.
    const results = await Promise.allSettled([
      store.claim({ workerType: 'default', workerId: 'w1', leaseMs: 60_000 }),
      store.complete(b.id, { status: 'done' }),
      store.claim({ workerType: 'default', workerId: 'w2', leaseMs: 60_000 }),
      store.createJob(newJob({ depends_on: ['01a23cdc-0000-7000-8000-000000000000'] })),
      store.cancel(a.id),
    ]);
    const [first, refused, second, badCreate, cancel] = results;
    assert.equal(first.status === 'fulfilled' && first.value?.id, a.id);
    assert.ok(refused.status === 'rejected' && (refused.reason as BatonError).code === 'invalid_transition');
    assert.equal(second.status === 'fulfilled' && second.value?.id, b.id, 'the second claim saw the first');
    assert.ok(
      badCreate.status === 'rejected' && (badCreate.reason as BatonError).code === 'validation_failed',
    );
    assert.ok(
      cancel.status === 'fulfilled' && cancel.value.cancel_requested,
      'cancel saw the claim before it',
    );

    assert.equal((await store.getJob(b.id)).status, 'running');
    assert.equal((await store.getJob(b.id)).version, before.version + 1);
    const { jobs } = await store.listJobs({ limit: 10 });
    assert.equal(jobs.length, 2, 'the refused creation left no job behind');
  });

  it('keeps the writes of a batch after a reopen: they were committed before they were answered', async () => {
    const { store } = f;
    const created = await Promise.all(
      [1, 2, 3].map((n) => store.createJob(newJob({ branch_name: `n${n}` }))),
    );
    const reopened = await f.reopen();
    for (const { job } of created) assert.equal((await reopened.getJob(job.id)).status, 'pending');
    const seqs = created.map(({ job }) => job.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
      'submission order is the order of the calls',
    );
  });
});
