import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { claimExpecting, createJob, dumpDatabase } from './support.ts';

let server: ServerFixture;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.cleanup();
});

const etagOf = async (id: string): Promise<string> => {
  const response = await server.api('GET', `/jobs/${id}`);
  assert.equal(response.status, 200);
  return response.headers.get('etag')!;
};

/** A job that has been claimed and heartbeated: its etag before the heartbeat is genuinely stale. */
const runningJob = async () => {
  const job = await createJob(server);
  const lease = await claimExpecting(server, job.id);
  const stale = await etagOf(job.id);
  const beat = await server.api('POST', `/jobs/${job.id}/heartbeat`, { lease_token: lease.lease_token });
  assert.equal(beat.status, 200);
  return {
    id: job.id as string,
    lease_token: lease.lease_token as string,
    stale,
    current: await etagOf(job.id),
  };
};

const finishedJob = async (status: 'done' | 'failed') => {
  const job = await runningJob();
  const response = await server.api('POST', `/jobs/${job.id}/complete`, {
    status,
    lease_token: job.lease_token,
  });
  assert.equal(response.status, 200);
  return { id: job.id, stale: job.current, current: await etagOf(job.id) };
};

describe('ETags on GET /jobs/:id', () => {
  it('sends ETag "v<version>" and answers 304 with no body to a matching If-None-Match', async () => {
    const job = await createJob(server);
    const first = await server.api('GET', `/jobs/${job.id}`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('etag'), `"v${first.body.version}"`);
    assert.equal(first.body.version, 1);
    const again = await server.api('GET', `/jobs/${job.id}`, undefined, { 'if-none-match': '"v1"' });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.get('etag'), '"v1"');
  });

  it('answers 200 with the new version once the job has changed since the If-None-Match etag', async () => {
    const job = await createJob(server);
    await claimExpecting(server, job.id);
    const response = await server.api('GET', `/jobs/${job.id}`, undefined, { 'if-none-match': '"v1"' });
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'running');
    assert.equal(response.headers.get('etag'), '"v2"');
  });

  it('sends the new ETag on create, claim and every action', async () => {
    const created = await server.api('POST', '/jobs', {
      repo_url: '/srv/repos/app',
      spec_json: { prompt: 'x' },
    });
    assert.equal(created.headers.get('etag'), '"v1"');
    const claimed = await server.api('POST', '/jobs/claim');
    assert.equal(claimed.headers.get('etag'), '"v2"');
    const cancelled = await server.api('POST', `/jobs/${created.body.id}/cancel`);
    assert.equal(cancelled.headers.get('etag'), `"v${cancelled.body.version}"`);
    assert.equal(cancelled.body.version, 3);
  });
});

describe('If-Match with a stale version', () => {
  const refused = async (method: string, path: string, etag: string, body?: unknown) => {
    const before = dumpDatabase(server.dbPath);
    const response = await server.api(method, path, body, { 'if-match': etag });
    assert.equal(response.status, 412, JSON.stringify(response.body));
    assert.equal(response.body.code, 'precondition_failed');
    assert.equal(typeof response.body.error, 'string');
    assert.equal(dumpDatabase(server.dbPath), before, 'a refused request changed the database');
    return response.body;
  };

  it('refuses cancel with 412 and changes nothing; the current version is accepted', async () => {
    const job = await runningJob();
    const body = await refused('POST', `/jobs/${job.id}/cancel`, job.stale);
    assert.equal(body.version, Number(job.current.slice(2, -1)));
    const ok = await server.api('POST', `/jobs/${job.id}/cancel`, undefined, { 'if-match': job.current });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.cancel_requested, true);
  });

  it('refuses continue with 412 and changes nothing; the current version is accepted', async () => {
    const job = await finishedJob('done');
    await refused('POST', `/jobs/${job.id}/continue`, job.stale, { prompt: 'Also add tests' });
    const ok = await server.api(
      'POST',
      `/jobs/${job.id}/continue`,
      { prompt: 'Also add tests' },
      { 'if-match': job.current },
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'pending');
  });

  it('refuses retry with 412 and changes nothing; the current version is accepted', async () => {
    const job = await finishedJob('failed');
    await refused('POST', `/jobs/${job.id}/retry`, job.stale);
    const ok = await server.api('POST', `/jobs/${job.id}/retry`, undefined, { 'if-match': job.current });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'pending');
  });

  it('refuses delete with 412 and changes nothing; the current version is accepted', async () => {
    const job = await finishedJob('done');
    await refused('DELETE', `/jobs/${job.id}`, job.stale);
    const ok = await server.api('DELETE', `/jobs/${job.id}`, undefined, { 'if-match': job.current });
    assert.equal(ok.status, 204);
    assert.equal((await server.api('GET', `/jobs/${job.id}`)).status, 404);
  });

  it('refuses complete with 412 and changes nothing, with or without a lease token', async () => {
    const job = await runningJob();
    await refused('POST', `/jobs/${job.id}/complete`, job.stale, { status: 'done' });
    await refused('POST', `/jobs/${job.id}/complete`, job.stale, {
      status: 'done',
      lease_token: job.lease_token,
    });
    const ok = await server.api(
      'POST',
      `/jobs/${job.id}/complete`,
      { status: 'done', lease_token: job.lease_token },
      { 'if-match': job.current },
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'done');
  });

  it('refuses an If-Match that is not an etag this server gives out with 400', async () => {
    const job = await createJob(server);
    const before = dumpDatabase(server.dbPath);
    const response = await server.api('POST', `/jobs/${job.id}/cancel`, undefined, { 'if-match': 'banana' });
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'validation_failed');
    assert.equal(dumpDatabase(server.dbPath), before);
  });
});
