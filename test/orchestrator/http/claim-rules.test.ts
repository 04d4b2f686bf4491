import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { assertNothingClaimable, claimExpecting, createJob, dumpDatabase, REPO } from './support.ts';

let server: ServerFixture;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.cleanup();
});

const complete = async (id: string, status: string, lease_token?: string) => {
  const response = await server.api('POST', `/jobs/${id}/complete`, { status, lease_token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
};

const getJob = async (id: string) => (await server.api('GET', `/jobs/${id}`)).body;

describe('dependencies (depends_on)', () => {
  it('refuses depends_on naming a job that does not exist with 400 and creates nothing', async () => {
    const before = dumpDatabase(server.dbPath);
    const response = await server.api('POST', '/jobs', {
      repo_url: REPO,
      spec_json: { prompt: 'x' },
      depends_on: [randomUUID()],
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'validation_failed');
    assert.equal(dumpDatabase(server.dbPath), before);
  });

  it('keeps a job unclaimable until every one of its dependencies is done', async () => {
    const a = await createJob(server);
    const b = await createJob(server);
    const c = await createJob(server, { depends_on: [a.id, b.id] });
    const leaseA = await claimExpecting(server, a.id);
    const leaseB = await claimExpecting(server, b.id);
    await assertNothingClaimable(server);
    await complete(a.id, 'done', leaseA.lease_token);
    await assertNothingClaimable(server);
    await complete(b.id, 'awaiting_input', leaseB.lease_token);
    await assertNothingClaimable(server);
    await complete(b.id, 'done');
    await claimExpecting(server, c.id);
  });

  it('cancels pending dependents, recursively, when a job fails, with the reason in their history', async () => {
    const root = await createJob(server);
    const child = await createJob(server, { depends_on: [root.id] });
    const grandchild = await createJob(server, { depends_on: [child.id] });
    const bystander = await createJob(server);
    const lease = await claimExpecting(server, root.id);
    await complete(root.id, 'failed', lease.lease_token);

    assert.equal((await getJob(child.id)).status, 'cancelled');
    assert.equal((await getJob(grandchild.id)).status, 'cancelled');
    assert.equal((await getJob(bystander.id)).status, 'pending');
    const childEvents = (await server.api('GET', `/jobs/${child.id}/events`)).body.events;
    const childCancel = childEvents.at(-1);
    assert.equal(childCancel.type, 'cancelled');
    assert.equal(childCancel.actor, 'system');
    assert.match(childCancel.reason, new RegExp(`${root.id}.*failed`));
    const grandchildCancel = (await server.api('GET', `/jobs/${grandchild.id}/events`)).body.events.at(-1);
    assert.equal(grandchildCancel.type, 'cancelled');
    assert.match(grandchildCancel.reason, new RegExp(`${child.id}.*cancelled`));
  });

  it('cancels pending dependents, recursively, when a job is cancelled', async () => {
    const root = await createJob(server);
    const child = await createJob(server, { depends_on: [root.id] });
    const grandchild = await createJob(server, { depends_on: [child.id] });
    const cancelled = await server.api('POST', `/jobs/${root.id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    for (const [job, parent] of [
      [child, root],
      [grandchild, child],
    ]) {
      const last = (await server.api('GET', `/jobs/${job.id}/events`)).body.events.at(-1);
      assert.equal(last.type, 'cancelled');
      assert.equal(last.to_status, 'cancelled');
      assert.match(last.reason, new RegExp(`${parent.id}.*cancelled`));
    }
    await assertNothingClaimable(server);
  });

  it('refuses with 409 a job that depends on a failed or a cancelled job', async () => {
    const failed = await createJob(server);
    const lease = await claimExpecting(server, failed.id);
    await complete(failed.id, 'failed', lease.lease_token);
    const cancelled = await createJob(server);
    await server.api('POST', `/jobs/${cancelled.id}/cancel`);
    const before = dumpDatabase(server.dbPath);
    for (const dependency of [failed, cancelled]) {
      const response = await server.api('POST', '/jobs', {
        repo_url: REPO,
        spec_json: { prompt: 'x' },
        depends_on: [dependency.id],
      });
      assert.equal(response.status, 409, JSON.stringify(response.body));
      assert.equal(response.body.code, 'conflict');
      assert.equal(typeof response.body.error, 'string');
    }
    assert.equal(dumpDatabase(server.dbPath), before);
  });
});

describe('branch exclusivity', () => {
  it('holds back a second job on the same repo and branch while the first runs or awaits input', async () => {
    const first = await createJob(server, { branch_name: 'feature/login' });
    const second = await createJob(server, { branch_name: 'feature/login' });
    const lease = await claimExpecting(server, first.id);
    await assertNothingClaimable(server);
    await complete(first.id, 'awaiting_input', lease.lease_token);
    await assertNothingClaimable(server);
    await complete(first.id, 'done');
    await claimExpecting(server, second.id);
  });

  it('lets a job on another branch, or the same branch of another repo, be claimed at once', async () => {
    const first = await createJob(server, { branch_name: 'feature/login' });
    await createJob(server, { branch_name: 'feature/login' });
    const otherBranch = await createJob(server, { branch_name: 'feature/logout' });
    const otherRepo = await createJob(server, { branch_name: 'feature/login', repo_url: '/srv/repos/other' });
    await claimExpecting(server, first.id);
    await claimExpecting(server, otherBranch.id);
    await claimExpecting(server, otherRepo.id);
    await assertNothingClaimable(server);
  });
});

describe('run_at and claim order', () => {
  it('does not let a job with run_at in the future be claimed until the clock passes it', async () => {
    const job = await createJob(server, { run_at: new Date(server.clock.now() + 3_600_000).toISOString() });
    await assertNothingClaimable(server);
    server.clock.advance(3_599_000);
    await assertNothingClaimable(server);
    server.clock.advance(1_000);
    await claimExpecting(server, job.id);
  });

  it('hands out jobs by priority, highest first, then in submission order', async () => {
    const low = await createJob(server, { priority: -5 });
    const normal1 = await createJob(server);
    const high1 = await createJob(server, { priority: 10 });
    const normal2 = await createJob(server, { priority: 0 });
    const high2 = await createJob(server, { priority: 10 });
    const top = await createJob(server, { priority: 1000 });
    for (const job of [top, high1, high2, normal1, normal2, low]) await claimExpecting(server, job.id);
    await assertNothingClaimable(server);
  });

  it('only hands a job to claims for its own worker_type', async () => {
    const job = await createJob(server, { worker_type: 'gpu' });
    await assertNothingClaimable(server);
    await assertNothingClaimable(server, 'worker_type=cpu');
    await claimExpecting(server, job.id, 'worker_type=gpu');
  });
});
