/**
 * SQLite-specific: the claim reads an index that leaves blocked jobs out, and the bookkeeping that
 * decides what is in that index always agrees with the source tables.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { prepareStatements } from '../../../src/orchestrator/store/sqlite/statements.ts';
import { openStore, type StoreFixture } from '../../helpers.ts';

const job = (branch: string, dependsOn: string[] = []) => ({
  repo_url: '/srv/repos/app',
  branch_name: branch,
  depends_on: dependsOn,
  spec_json: { prompt: 'work' },
});

/** Rows whose stored bookkeeping differs from a fresh count. */
function driftedRows(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(`SELECT id, waiting_on, branch_held,
          (SELECT count(*) FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
           WHERE d.job_id = j.id AND p.status <> 'done') AS fresh_waiting,
          EXISTS (SELECT 1 FROM jobs o WHERE o.repo_url = j.repo_url AND o.branch_name = j.branch_name
                  AND o.status IN ('running', 'awaiting_input')) AS fresh_held
        FROM jobs j WHERE status = 'pending'`)
      .all()
      .filter((row: any) => row.waiting_on !== row.fresh_waiting || row.branch_held !== row.fresh_held);
  } finally {
    db.close();
  }
}

describe('the SQLite claim index', () => {
  let f: StoreFixture;
  beforeEach(() => {
    f = openStore();
  });
  afterEach(async () => f.cleanup());

  it('plans the claim as an index walk in claim order, with no sort', () => {
    const db = new Database(f.dbPath, { readonly: true });
    // The store's own claim statement, so the test follows the query wherever it goes.
    const sql = prepareStatements(db).nextClaimable.source;
    const plan = (
      db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ worker_type: 'default', now: 0 }) as Array<{
        detail: string;
      }>
    ).map((row) => row.detail);
    db.close();
    assert.ok(
      plan.some((line) => line.includes('USING INDEX jobs_claimable')),
      plan.join('\n'),
    );
    assert.ok(!plan.some((line) => line.includes('TEMP B-TREE')), plan.join('\n'));
  });

  it('keeps blocked jobs out and lets them in when their blocker finishes', async () => {
    const { store } = f;
    const holder = await store.createJob(job('shared'));
    const queued = await store.createJob(job('shared'));
    const dependent = await store.createJob(job('own', [holder.job.id]));
    const claimed = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 });
    assert.equal(claimed?.id, holder.job.id);
    assert.deepEqual(driftedRows(f.dbPath), []);
    assert.equal(await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 }), undefined);
    await store.complete(holder.job.id, { status: 'done', leaseToken: claimed?.lease_token as string });
    assert.deepEqual(driftedRows(f.dbPath), []);
    const next = [
      (await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 }))?.id,
      (await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 }))?.id,
    ];
    assert.deepEqual(next.sort(), [queued.job.id, dependent.job.id].sort());
  });

  it('blocks a dependent again when its dependency is continued back to pending', async () => {
    const { store } = f;
    const first = await store.createJob(job('one'));
    const c = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 });
    await store.complete(first.job.id, { status: 'done', leaseToken: c?.lease_token as string });
    const second = await store.createJob(job('two', [first.job.id]));
    await store.continueJob(first.job.id, 'one more thing');
    assert.deepEqual(driftedRows(f.dbPath), []);
    const claimedNext = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 });
    assert.equal(claimedNext?.id, first.job.id, 'the continued dependency runs first');
    assert.equal(await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 }), undefined);
    await store.complete(first.job.id, { status: 'done', leaseToken: claimedNext?.lease_token as string });
    assert.equal(
      (await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 60_000 }))?.id,
      second.job.id,
    );
  });

  it('frees a held branch for the next job when the holder is released, expires or is cancelled', async () => {
    const { store, clock } = f;
    for (let i = 0; i < 4; i += 1) await store.createJob(job('busy'));
    const a = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 1_000 });
    await store.release(a?.id as string, a?.lease_token as string);
    const b = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 1_000 });
    assert.equal(b?.id, a?.id, 'the released job is first in line again');
    clock.advance(1_001);
    await store.reapExpired();
    assert.deepEqual(driftedRows(f.dbPath), []);
    const c = await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 1_000 });
    assert.ok(c);
    await store.complete(c.id, { status: 'awaiting_input', leaseToken: c.lease_token as string });
    assert.equal(await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 1_000 }), undefined);
    await store.cancel(c.id);
    assert.deepEqual(driftedRows(f.dbPath), []);
    assert.ok(await store.claim({ workerType: 'default', workerId: 'w', leaseMs: 1_000 }));
  });
});
