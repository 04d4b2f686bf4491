import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Reaper } from '../../../src/orchestrator/reaper.ts';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { claimExpecting, createJob, dumpDatabase } from './support.ts';

const DAY_MS = 86_400_000;

let server: ServerFixture;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.cleanup();
});

const lines = (stream: string, ...texts: string[]) => texts.map((text) => ({ stream, text }));

const readAll = async (id: string, limit: number) => {
  const entries: any[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const response = await server.api('GET', `/jobs/${id}/logs?after=${after}&limit=${limit}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.ok(response.body.entries.length <= limit);
    if (response.body.entries.length === 0) {
      assert.equal(response.body.next_after, after);
      return entries;
    }
    entries.push(...response.body.entries);
    after = response.body.next_after;
  }
  throw new Error('log paging did not end');
};

describe('job logs', () => {
  it('appends batches and reads them back in order, page by page with ?after=', async () => {
    const job = await createJob(server);
    const lease = await claimExpecting(server, job.id);
    const first = await server.api('POST', `/jobs/${job.id}/logs`, {
      lease_token: lease.lease_token,
      entries: lines('stdout', 'one', 'two', 'three', 'four'),
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.appended, 4);
    const second = await server.api('POST', `/jobs/${job.id}/logs`, {
      lease_token: lease.lease_token,
      entries: lines('stderr', 'five', 'six', 'seven'),
    });
    assert.equal(second.body.appended, 3);
    assert.ok(second.body.last_seq > first.body.last_seq);

    const entries = await readAll(job.id, 3);
    assert.deepEqual(
      entries.map((e) => `${e.stream}:${e.text}`),
      ['one', 'two', 'three', 'four']
        .map((t) => `stdout:${t}`)
        .concat(['stderr:five', 'stderr:six', 'stderr:seven']),
    );
    assert.equal(entries.at(-1).seq, second.body.last_seq);
    for (const entry of entries) {
      assert.equal(entry.attempt, 1);
      assert.match(entry.at, /^\d{4}-\d\d-\d\dT/);
    }
    const seqs = entries.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal(new Set(seqs).size, seqs.length);
  });

  it('keeps the logs of different jobs apart', async () => {
    const a = await createJob(server);
    const b = await createJob(server);
    await server.api('POST', `/jobs/${a.id}/logs`, { entries: lines('stdout', 'a1', 'a2') });
    await server.api('POST', `/jobs/${b.id}/logs`, { entries: lines('stdout', 'b1') });
    await server.api('POST', `/jobs/${a.id}/logs`, { entries: lines('stdout', 'a3') });
    assert.deepEqual(
      (await readAll(a.id, 2)).map((e) => e.text),
      ['a1', 'a2', 'a3'],
    );
    assert.deepEqual(
      (await readAll(b.id, 2)).map((e) => e.text),
      ['b1'],
    );
  });

  it("refuses an earlier attempt's lease token with 409 stale_lease after the job was released and claimed again", async () => {
    const job = await createJob(server);
    const old = await claimExpecting(server, job.id);
    await server.api('POST', `/jobs/${job.id}/logs`, {
      lease_token: old.lease_token,
      entries: lines('stdout', 'a'),
    });
    await server.api('POST', `/jobs/${job.id}/release`, { lease_token: old.lease_token });
    const fresh = await claimExpecting(server, job.id);
    assert.equal(fresh.attempt, 2);

    const before = dumpDatabase(server.dbPath);
    const stale = await server.api('POST', `/jobs/${job.id}/logs`, {
      lease_token: old.lease_token,
      entries: lines('stdout', 'late line from the old worker'),
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'stale_lease');
    assert.equal(dumpDatabase(server.dbPath), before);

    const ok = await server.api('POST', `/jobs/${job.id}/logs`, {
      lease_token: fresh.lease_token,
      entries: lines('stdout', 'b'),
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(
      (await readAll(job.id, 10)).map((e) => `${e.attempt}:${e.text}`),
      ['1:a', '2:b'],
    );
  });

  it("refuses an expired attempt's lease token with 409 stale_lease once the reaper has re-queued and another worker claimed", async () => {
    const job = await createJob(server);
    const old = await claimExpecting(server, job.id, 'lease_ms=1000');
    server.clock.advance(1_001);
    const reaper = new Reaper({ store: server.store, now: () => server.clock.now() });
    assert.deepEqual(
      (await reaper.runOnce()).map((j) => j.status),
      ['pending'],
    );
    await claimExpecting(server, job.id);
    const stale = await server.api('POST', `/jobs/${job.id}/logs`, {
      lease_token: old.lease_token,
      entries: lines('stdout', 'x'),
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, 'stale_lease');
    assert.deepEqual(await readAll(job.id, 10), []);
  });
});

describe('cleanup and deletion', () => {
  const finish = async (status: 'done' | 'failed' | 'cancelled') => {
    const job = await createJob(server);
    if (status === 'cancelled') {
      await server.api('POST', `/jobs/${job.id}/cancel`);
    } else {
      const lease = await claimExpecting(server, job.id);
      await server.api('POST', `/jobs/${job.id}/complete`, { status, lease_token: lease.lease_token });
    }
    return job.id as string;
  };
  const exists = async (id: string) => (await server.api('GET', `/jobs/${id}`)).status === 200;

  it('deletes finished jobs older than max_age_days and keeps newer and unfinished ones', async () => {
    const old = [await finish('done'), await finish('failed'), await finish('cancelled')];
    const oldRunning = (await createJob(server)).id;
    await claimExpecting(server, oldRunning, 'lease_ms=3600000');
    const oldPending = (await createJob(server, { run_at: '2099-01-01T00:00:00Z' })).id;
    server.clock.advance(8 * DAY_MS);
    const recent = await finish('done');

    const response = await server.api('POST', '/jobs/cleanup', { max_age_days: 7 });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, { deleted: 3 });
    for (const id of old) assert.equal(await exists(id), false);
    for (const id of [recent, oldRunning, oldPending]) assert.equal(await exists(id), true);
  });

  it('uses seven days when no age is given and deletes only the statuses asked for', async () => {
    const done = await finish('done');
    const failed = await finish('failed');
    server.clock.advance(6 * DAY_MS);
    assert.deepEqual((await server.api('POST', '/jobs/cleanup')).body, { deleted: 0 });
    server.clock.advance(2 * DAY_MS);
    const onlyFailed = await server.api('POST', '/jobs/cleanup', { statuses: ['failed'] });
    assert.deepEqual(onlyFailed.body, { deleted: 1 });
    assert.equal(await exists(failed), false);
    assert.equal(await exists(done), true);
  });

  it('keeps an old done job that a pending job still depends on', async () => {
    const dependency = await finish('done');
    server.clock.advance(30 * DAY_MS);
    const waiting = await createJob(server, { depends_on: [dependency], run_at: '2099-01-01T00:00:00Z' });
    assert.deepEqual((await server.api('POST', '/jobs/cleanup', { max_age_days: 1 })).body, { deleted: 0 });
    assert.equal(await exists(dependency), true);
    assert.equal(await exists(waiting.id), true);
  });

  it('refuses DELETE of a running or awaiting_input job with 409 and keeps it', async () => {
    const job = await createJob(server);
    const lease = await claimExpecting(server, job.id);
    const before = dumpDatabase(server.dbPath);
    const refused = await server.api('DELETE', `/jobs/${job.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'conflict');
    assert.equal(dumpDatabase(server.dbPath), before);

    await server.api('POST', `/jobs/${job.id}/complete`, {
      status: 'awaiting_input',
      lease_token: lease.lease_token,
    });
    const paused = await server.api('DELETE', `/jobs/${job.id}`);
    assert.equal(paused.status, 409);
    assert.equal(paused.body.code, 'conflict');
    assert.equal(await exists(job.id), true);
  });

  it('deletes a finished job with 204, after which it is 404 and its history still ends in deleted', async () => {
    const id = await finish('done');
    const response = await server.api('DELETE', `/jobs/${id}`);
    assert.equal(response.status, 204);
    assert.equal((await server.api('GET', `/jobs/${id}`)).status, 404);
    assert.equal((await server.api('DELETE', `/jobs/${id}`)).status, 404);
    const history = await server.api('GET', `/jobs/${id}/events`);
    assert.equal(history.status, 200);
    assert.equal(history.body.events.at(-1).type, 'deleted');
    assert.equal(history.body.events.at(-1).from_status, 'done');
  });
});
