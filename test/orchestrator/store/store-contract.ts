/**
 * The contract every Store adapter must pass. `describeStore` runs the same cases against any
 * factory: SQLite today, PostgreSQL when it lands.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ManualClock } from '../../../src/orchestrator/clock.ts';
import type { Store } from '../../../src/orchestrator/store/store.ts';
import { LEGAL, STATUSES } from '../../design-table.ts';
import { newJob } from '../../helpers.ts';
import { leaseCases } from './store-contract-leases.ts';
import { jobIn, rejectsWith } from './store-fixtures.ts';

export interface StoreHarness {
  store: Store;
  clock: ManualClock;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

export function describeStore(name: string, open: () => StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    beforeEach(() => {
      h = open();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('creates pending jobs with the documented defaults and a created event', async () => {
      const { job: created, created: isNew } = await h.store.createJob(newJob());
      assert.equal(isNew, true);
      assert.match(
        created.id,
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        'a UUIDv7',
      );
      assert.equal(created.status, 'pending');
      assert.equal(created.version, 1);
      assert.equal(created.worker_type, 'default');
      assert.equal(created.base_ref, 'main');
      assert.equal(created.push_mode, 'always');
      assert.equal(created.max_attempts, 3);
      assert.equal(created.attempt, 0);
      assert.equal(created.branch_name, `baton/add-a-health-check-endpoint-${created.id.slice(-8)}`);
      const events = await h.store.jobEvents(created.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.from_status, e.to_status]),
        [['created', null, 'pending']],
      );
    });

    describe("the seed's updateJobStatus", () => {
      it('refuses to complete a pending job as done and leaves it pending', async () => {
        const pending = await jobIn(h.store, 'pending', 'seed1');
        const error = await rejectsWith(
          h.store.updateJobStatus(pending.id, 'done', { ok: true }, 'running'),
          'invalid_transition',
        );
        assert.equal(error.details.status, 'pending');
        assert.equal((await h.store.getJob(pending.id)).status, 'pending');
        await rejectsWith(h.store.updateJobStatus(pending.id, 'done'), 'invalid_transition');
        assert.equal((await h.store.getJob(pending.id)).version, 1);
      });

      it('completes a running job as done when running is expected', async () => {
        const running = await jobIn(h.store, 'running', 'seed2');
        const done = await h.store.updateJobStatus(running.id, 'done', { summary: 'ok' }, 'running');
        assert.equal(done.status, 'done');
        assert.deepEqual(done.result_summary, { summary: 'ok' });
        assert.equal(done.version, running.version + 1);
      });

      it('refuses to move a done job back to running', async () => {
        const done = await jobIn(h.store, 'done', 'seed3');
        await rejectsWith(h.store.updateJobStatus(done.id, 'running'), 'invalid_transition');
        await rejectsWith(
          h.store.updateJobStatus(done.id, 'running', undefined, 'done'),
          'invalid_transition',
        );
        assert.equal((await h.store.getJob(done.id)).status, 'done');
      });

      it('answers not_found for an unknown job', async () => {
        await rejectsWith(
          h.store.updateJobStatus('00000000-0000-4000-8000-000000000000', 'done'),
          'not_found',
        );
      });

      for (const from of STATUSES) {
        it(`from ${from}, performs exactly the legal moves and refuses every other`, async () => {
          for (const to of STATUSES) {
            const before = await jobIn(h.store, from, `m-${from}-${to}`);
            const attempt = h.store.updateJobStatus(before.id, to, undefined, from);
            if (LEGAL.has(`${from}>${to}`)) {
              const after = await attempt;
              assert.equal(after.status, to);
              assert.equal(after.version, before.version + 1);
              const last = (await h.store.jobEvents(before.id)).at(-1);
              assert.deepEqual([last?.from_status, last?.to_status], [from, to]);
            } else {
              await rejectsWith(attempt, 'invalid_transition');
              const unchanged = await h.store.getJob(before.id);
              assert.deepEqual(unchanged, before);
            }
          }
        });
      }
    });

    describe('claims, leases and fencing', () => leaseCases(() => h));

    it('keeps every job and its history across a reopen of the same database', async () => {
      const running = await jobIn(h.store, 'running', 'restart');
      const store = await h.reopen();
      const again = await store.getJob(running.id);
      assert.deepEqual(again, running);
      assert.equal((await store.jobEvents(running.id)).length, 2);
    });

    it('expires a lease after a reopen when the clock passes it', async () => {
      const running = await jobIn(h.store, 'running', 'restart2');
      const store = await h.reopen();
      h.clock.advance(10_001);
      const reaped = await store.reapExpired();
      assert.deepEqual(
        reaped.map((j) => [j.id, j.status]),
        [[running.id, 'pending']],
      );
    });

    it('records a version that only increases in the history', async () => {
      const running = await jobIn(h.store, 'running', 'versions');
      await h.store.heartbeat(running.id, running.lease_token as string);
      await h.store.complete(running.id, { status: 'failed', leaseToken: running.lease_token as string });
      await h.store.retry(running.id);
      const versions = (await h.store.jobEvents(running.id)).map((e) => e.version);
      assert.deepEqual(
        versions,
        [...versions].sort((a, b) => a - b),
      );
      assert.equal(new Set(versions).size, versions.length);
    });
  });
}
