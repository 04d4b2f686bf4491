import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type BatonProcess, exitCode, killAll, runBaton, startBaton } from '../../baton-process.ts';
import { requestJson as call, tempDir, waitFor } from '../../helpers.ts';
import { jobBody } from './support.ts';

describe('the baton server process', () => {
  const dir = tempDir('baton-process-');
  const db = join(dir.path, 'baton.db');
  const started: BatonProcess[] = [];
  const start = async (path = db) => {
    const baton = await startBaton(['server', '--port', '0', '--db', path, '--lease-ms', '1000']);
    started.push(baton);
    return baton;
  };

  after(async () => {
    await killAll(started);
    dir.remove();
  });

  it('keeps a claimed job running across SIGTERM and a restart, then the reaper re-queues it when its lease runs out', async () => {
    const first = await start();
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await call(first.url, 'POST', '/jobs', jobBody());
    assert.equal(created.status, 201);
    // A lease long enough to outlive the restart, short enough to run out during the test.
    const claimed = await call(first.url, 'POST', '/jobs/claim?lease_ms=6000&worker_id=w1');
    assert.equal(claimed.status, 200);
    assert.equal(claimed.body.id, created.body.id);

    first.child.kill('SIGTERM');
    assert.equal(await exitCode(first.child), 0, first.stderr());
    assert.match(first.stdout(), /SIGTERM/);

    const second = await start();
    const after = await call(second.url, 'GET', `/jobs/${created.body.id}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.status, 'running', 'the lease ran out before the restart finished');
    assert.equal(after.body.lease_token, claimed.body.lease_token);
    assert.equal(after.body.attempt, 1);

    const requeued = await waitFor(
      'the reaper to expire the lease',
      async () => {
        const job = await call(second.url, 'GET', `/jobs/${created.body.id}`);
        return job.body.status === 'running' ? undefined : job.body;
      },
      15_000,
    );
    assert.equal(requeued.status, 'pending');
    assert.equal(requeued.lease_token, null);
    const events = (await call(second.url, 'GET', `/jobs/${created.body.id}/events`)).body.events;
    const expired = events.at(-1);
    assert.equal(expired.type, 'expired');
    assert.equal(expired.actor, 'reaper');
    assert.match(expired.reason, /w1/);

    const reclaimed = await call(second.url, 'POST', '/jobs/claim');
    assert.equal(reclaimed.status, 200);
    assert.equal(reclaimed.body.attempt, 2);
    second.child.kill('SIGTERM');
    assert.equal(await exitCode(second.child), 0, second.stderr());
  });

  it('grants leases of --lease-ms by default and re-queues them within a few seconds without heartbeats', async () => {
    const baton = await start(join(dir.path, 'short-lease.db'));
    const created = await call(baton.url, 'POST', '/jobs', jobBody());
    const claimed = await call(baton.url, 'POST', '/jobs/claim');
    assert.equal(claimed.body.id, created.body.id);
    const leaseMs = Date.parse(claimed.body.lease_expires_at) - Date.parse(claimed.body.updated_at);
    assert.equal(leaseMs, 1000);
    const startedAt = Date.now();
    await waitFor(
      'the 1000 ms lease to be reaped',
      async () => {
        const job = await call(baton.url, 'GET', `/jobs/${created.body.id}`);
        return job.body.status === 'pending' ? job.body : undefined;
      },
      5_000,
    );
    assert.ok(Date.now() - startedAt < 5_000);
    baton.child.kill('SIGTERM');
    assert.equal(await exitCode(baton.child), 0, baton.stderr());
  });

  it('ends open long polls and event streams and exits 0 promptly on SIGTERM', async () => {
    const baton = await start(join(dir.path, 'shutdown.db'));
    const poll = fetch(`${baton.url}/jobs/claim?wait_ms=60000&worker_type=nobody`, { method: 'POST' }).then(
      (response) => response.status,
      () => 'connection closed',
    );
    const stream = await fetch(`${baton.url}/events`);
    assert.equal(stream.status, 200);
    const draining = stream.text().then(
      () => 'ended',
      () => 'connection closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = Date.now();
    baton.child.kill('SIGTERM');
    assert.equal(await exitCode(baton.child, 15_000), 0, baton.stderr());
    assert.ok(Date.now() - signalled < 10_000, `took ${Date.now() - signalled} ms to stop`);
    assert.ok([404, 503, 'connection closed'].includes(await poll), String(await poll));
    assert.ok(['ended', 'connection closed'].includes(await draining), await draining);
  });

  it('refuses to listen on 0.0.0.0 without a token, with a message about the token', async () => {
    const run = runBaton(['server', '--host', '0.0.0.0', '--port', '0', '--db', db]);
    const code = await exitCode(run.child);
    assert.notEqual(code, 0);
    assert.match(run.stderr(), /token/i);
    assert.doesNotMatch(run.stdout(), /listening/);
  });

  it('exits with code 2 and names the problem on a bad flag or flag value', async () => {
    for (const [args, pattern] of [
      [['server', '--bogus'], /bogus/],
      [['server', '--port', 'abc', '--db', db], /port/],
      [['server', '--lease-ms', '5', '--db', db], /--lease-ms/],
      [['server', '--port'], /port/],
      [['launch'], /unknown command/],
    ] as const) {
      const run = runBaton([...args]);
      assert.equal(await exitCode(run.child), 2, `${args.join(' ')}: ${run.stderr()}`);
      assert.match(run.stderr(), pattern);
    }
  });
});
