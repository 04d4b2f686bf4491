import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { claimExpecting, createJob, dumpDatabase, REPO } from './support.ts';

let server: ServerFixture;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.cleanup();
});

describe('idempotent creation (Idempotency-Key)', () => {
  const body = {
    repo_url: REPO,
    spec_json: { prompt: 'Add a health check endpoint', agent: 'claude', notes: 'small' },
    priority: 3,
    feature_id: 'health',
  };

  it('answers 201 the first time and 200 with the same job when the same key and body come again', async () => {
    const first = await server.api('POST', '/jobs', body, { 'idempotency-key': 'create-health-1' });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('location'), `/jobs/${first.body.id}`);
    const again = await server.api('POST', '/jobs', body, { 'idempotency-key': 'create-health-1' });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    const list = await server.api('GET', '/jobs');
    assert.equal(list.body.jobs.length, 1);
  });

  it('answers the original job even after it has moved on', async () => {
    const first = await server.api('POST', '/jobs', body, { 'idempotency-key': 'moved-on' });
    await claimExpecting(server, first.body.id);
    const again = await server.api('POST', '/jobs', body, { 'idempotency-key': 'moved-on' });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.status, 'running');
  });

  it('refuses the same key with another body with 409 conflict and stores nothing', async () => {
    const first = await server.api('POST', '/jobs', body, { 'idempotency-key': 'create-health-2' });
    assert.equal(first.status, 201);
    const before = dumpDatabase(server.dbPath);
    const other = { ...body, spec_json: { ...body.spec_json, prompt: 'Something else entirely' } };
    const response = await server.api('POST', '/jobs', other, { 'idempotency-key': 'create-health-2' });
    assert.equal(response.status, 409);
    assert.equal(response.body.code, 'conflict');
    assert.equal(response.body.job_id, first.body.id);
    assert.equal(dumpDatabase(server.dbPath), before);
  });

  it('treats a body with its keys in another order, at every level, as the same request', async () => {
    const first = await server.api('POST', '/jobs', body, { 'idempotency-key': 'key-order' });
    assert.equal(first.status, 201);
    const reordered =
      '{"feature_id":"health","priority":3,' +
      '"spec_json":{"notes":"small","agent":"claude","prompt":"Add a health check endpoint"},' +
      `"repo_url":"${REPO}"}`;
    const again = await server.api('POST', '/jobs', reordered, { 'idempotency-key': 'key-order' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
  });

  it('creates separate jobs for the same body under different keys or without a key', async () => {
    const a = await server.api('POST', '/jobs', body, { 'idempotency-key': 'k-a' });
    const b = await server.api('POST', '/jobs', body, { 'idempotency-key': 'k-b' });
    const c = await server.api('POST', '/jobs', body);
    const d = await server.api('POST', '/jobs', body);
    assert.deepEqual([a.status, b.status, c.status, d.status], [201, 201, 201, 201]);
    assert.equal(new Set([a.body.id, b.body.id, c.body.id, d.body.id]).size, 4);
  });
});

describe('listing jobs (GET /jobs)', () => {
  const walk = async (query: string, start: string | null = null) => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = start;
    for (let page = 0; page < 100; page++) {
      const path: string = `/jobs?${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await server.api('GET', path);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      seen.push(...response.body.jobs.map((job: { id: string }) => job.id));
      pageSizes.push(response.body.jobs.length);
      cursor = response.body.next_cursor;
      if (cursor === null) return { seen, pageSizes };
    }
    throw new Error('pagination did not end');
  };

  it('lists newest first and walks every page with next_cursor, with no duplicates or gaps', async () => {
    const created: string[] = [];
    for (let i = 0; i < 11; i++)
      created.push((await createJob(server, { spec_json: { prompt: `job ${i}` } })).id);
    const { seen, pageSizes } = await walk('limit=4');
    assert.deepEqual(pageSizes, [4, 4, 3]);
    assert.deepEqual(seen, [...created].reverse());
  });

  it('returns next_cursor null when the last page is exactly full', async () => {
    for (let i = 0; i < 6; i++) await createJob(server);
    const { seen, pageSizes } = await walk('limit=3');
    assert.equal(seen.length, 6);
    assert.deepEqual(pageSizes, [3, 3]);
  });

  it('does not skip or repeat jobs when jobs are created between pages', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createJob(server)).id);
    const first = await server.api('GET', '/jobs?limit=2');
    for (let i = 0; i < 3; i++) await createJob(server);
    const rest = await walk('limit=2', first.body.next_cursor);
    const seen = [...first.body.jobs.map((job: { id: string }) => job.id), ...rest.seen];
    assert.deepEqual(seen, [...created].reverse());
  });

  it('filters by a comma-separated list of statuses', async () => {
    const pending = await createJob(server);
    const running = await createJob(server);
    const cancelled = await createJob(server);
    await server.api('POST', `/jobs/${cancelled.id}/cancel`);
    // Claim order is submission order, so `pending` would be claimed first: claim it, then release it.
    const lease = await claimExpecting(server, pending.id);
    await claimExpecting(server, running.id);
    await server.api('POST', `/jobs/${pending.id}/release`, { lease_token: lease.lease_token });

    const ids = async (query: string) =>
      (await server.api('GET', `/jobs?${query}`)).body.jobs.map((job: { id: string }) => job.id);
    assert.deepEqual(await ids('status=pending'), [pending.id]);
    assert.deepEqual(await ids('status=running,cancelled'), [cancelled.id, running.id]);
    assert.deepEqual(await ids('status=done'), []);
  });

  it('filters by worker_type and by feature_id, and pages within a filter', async () => {
    const gpu: string[] = [];
    for (let i = 0; i < 5; i++) {
      gpu.push((await createJob(server, { worker_type: 'gpu', feature_id: i % 2 ? 'odd' : 'even' })).id);
      await createJob(server, { feature_id: i % 2 ? 'odd' : 'even' });
    }
    const { seen } = await walk('worker_type=gpu&limit=2');
    assert.deepEqual(seen, [...gpu].reverse());
    const odd = await server.api('GET', '/jobs?feature_id=odd&worker_type=gpu');
    assert.deepEqual(
      odd.body.jobs.map((job: { id: string }) => job.id),
      [gpu[3], gpu[1]],
    );
    const allOdd = await server.api('GET', '/jobs?feature_id=odd');
    assert.equal(allOdd.body.jobs.length, 4);
    for (const job of allOdd.body.jobs) assert.equal(job.feature_id, 'odd');
  });
});
