/**
 * Group commit when SQLite rolls back the whole transaction from inside one write (what SQLITE_FULL,
 * SQLITE_IOERR or SQLITE_NOMEM may do mid-batch). A trigger with RAISE(ROLLBACK), installed through a
 * second connection on the same real file, makes that happen on demand.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { newJob, openStore, type StoreFixture } from '../../helpers.ts';

describe('group commit after a whole-transaction rollback', () => {
  let f: StoreFixture;
  beforeEach(() => {
    f = openStore();
  });
  afterEach(async () => f.cleanup());

  it('stores exactly the writes of a batch it answered as successful, and none that it answered as failed', async () => {
    const { store } = f;
    const side = new Database(f.dbPath);
    side.exec(`CREATE TRIGGER fail_whole_transaction BEFORE INSERT ON job_logs WHEN NEW.text = 'boom'
      BEGIN SELECT RAISE(ROLLBACK, 'simulated transaction-level failure'); END`);
    side.close();
    const target = (await store.createJob(newJob({ branch_name: 'target' }))).job;

    // Issued in one turn: one batch, in this order.
    const results = await Promise.allSettled([
      store.createJob(newJob({ branch_name: 'before' })),
      store.appendLogs(target.id, [{ stream: 'stdout', text: 'boom' }]),
      store.createJob(newJob({ branch_name: 'after' })),
    ]);
    const stored = new Set((await store.listJobs({ limit: 10 })).jobs.map((job) => job.branch_name));
    const [before, , after] = results;
    assert.equal(
      stored.has('before'),
      before.status === 'fulfilled',
      `"before" stored=${stored.has('before')} but answered ${before.status}`,
    );
    assert.equal(
      stored.has('after'),
      after.status === 'fulfilled',
      `"after" stored=${stored.has('after')} but answered ${after.status}: it committed outside the batch transaction`,
    );
  });
});
