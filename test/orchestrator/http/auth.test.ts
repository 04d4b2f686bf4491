import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { dumpDatabase, jobBody } from './support.ts';

const TOKEN = 'a-long-enough-test-token-0123456789';
const good = { authorization: `Bearer ${TOKEN}` };

describe('bearer-token authentication', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer({ token: TOKEN });
  });
  after(async () => {
    await server.cleanup();
  });

  const assertUnauthorized = (response: { status: number; body: any; headers: Headers }) => {
    assert.equal(response.status, 401, JSON.stringify(response.body));
    assert.equal(response.body.code, 'unauthorized');
    assert.equal(typeof response.body.error, 'string');
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  };

  it('answers 401 unauthorized to a request without a token', async () => {
    assertUnauthorized(await server.api('GET', '/jobs'));
  });

  it('answers 401 unauthorized to a wrong token, a token without the Bearer scheme and a token prefix', async () => {
    for (const authorization of [
      'Bearer wrong-token-wrong-token-wrong',
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      'Bearer ',
    ]) {
      assertUnauthorized(await server.api('GET', '/jobs', undefined, { authorization }));
    }
  });

  it('answers 200 to the right token', async () => {
    const list = await server.api('GET', '/jobs', undefined, good);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, { jobs: [], next_cursor: null });
    const health = await server.api('GET', '/healthz', undefined, good);
    assert.equal(health.status, 200);
  });

  it('stores nothing for an unauthorized write and stores the job for an authorized one', async () => {
    const before = dumpDatabase(server.dbPath);
    assertUnauthorized(await server.api('POST', '/jobs', jobBody()));
    assertUnauthorized(await server.api('POST', '/jobs/claim'));
    assertUnauthorized(await server.api('POST', '/jobs/cleanup', { max_age_days: 0 }));
    assert.equal(dumpDatabase(server.dbPath), before);
    const created = await server.api('POST', '/jobs', jobBody(), good);
    assert.equal(created.status, 201);
    assertUnauthorized(await server.api('GET', `/jobs/${created.body.id}`));
    const read = await server.api('GET', `/jobs/${created.body.id}`, undefined, good);
    assert.equal(read.status, 200);
    assert.equal(read.body.id, created.body.id);
  });

  it('guards the event stream, health and metrics too, and does not reveal which routes exist', async () => {
    for (const path of ['/events', '/healthz', '/metrics', '/no/such/route']) {
      assertUnauthorized(await server.api('GET', path));
    }
    const unknown = await server.api('GET', '/no/such/route', undefined, good);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'not_found');
  });
});

describe('a server built without a token', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.cleanup();
  });

  it('answers requests without an Authorization header', async () => {
    const response = await server.api('GET', '/jobs');
    assert.equal(response.status, 200);
  });
});
