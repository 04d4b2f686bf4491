/**
 * Storage that cannot take writes: a full database, a read-only one, and a file the server may not
 * write. Each must answer writes 503 storage_unavailable in the JSON error shape, keep serving reads,
 * leave what was stored intact, and take writes again once the storage can.
 *
 * How each condition is made, and why: SQLite's own size limit (`PRAGMA max_page_count`) stands in
 * for a full disk, because mounting a small filesystem needs root; `PRAGMA query_only` makes the
 * running server's connection read-only, because a chmod does not take write access away from a
 * file that is already open (and root ignores file modes anyway); and a real read-only file is
 * shown with a server process run as a user the file's mode applies to.
 */

import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { type BatonProcess, exitCode, killAll } from '../../baton-process.ts';
import { requestJson as call, type ApiResponse as Reply, tempDir } from '../../helpers.ts';
import { dumpDatabase } from '../../orchestrator/http/support.ts';
import { databaseFileDigest } from '../fuzz/snapshot.ts';
import { readDatabase } from '../read-database.ts';
import { checkHistory } from './history-checks.ts';
import { type PressureServer, startPressureServer } from './pressure-server.ts';
import { canRun, startBatonAs, unprivileged } from './start-as.ts';

const REPO = '/srv/repos/app';

/** Jobs in every state a write could touch: pending, running (with its lease), done. */
async function seed(server: PressureServer) {
  const made = [];
  for (let i = 0; i < 12; i += 1) {
    const reply = await server.api('POST', '/jobs', { repo_url: REPO, spec_json: { prompt: `Seed ${i}` } });
    assert.equal(reply.status, 201);
    made.push(reply.body);
  }
  const done = (await server.api('POST', '/jobs/claim')).body;
  assert.equal(
    (await server.api('POST', `/jobs/${done.id}/complete`, { lease_token: done.lease_token, status: 'done' }))
      .status,
    200,
  );
  const running = (await server.api('POST', '/jobs/claim?worker_id=w1')).body;
  assert.equal(running.status, 'running');
  const pending = made.at(-1);
  return { ids: made.map((job) => job.id as string), done, running, pending };
}

const assertUnavailable = (reply: Reply, pattern: RegExp, what: string) => {
  assert.equal(reply.status, 503, `${what}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.code, 'storage_unavailable', what);
  assert.match(reply.body.error, pattern, what);
};

/** Reads that must keep working while writes cannot. */
async function assertReadsWork(server: PressureServer, ids: readonly string[]) {
  assert.equal((await server.api('GET', '/healthz')).status, 200);
  assert.equal((await server.api('GET', `/jobs/${ids[0]}`)).status, 200);
  assert.equal((await server.api('GET', `/jobs/${ids[0]}/events`)).status, 200);
  const listed = await server.api('GET', '/jobs?limit=500');
  assert.equal(listed.status, 200);
  assert.ok(ids.every((id) => listed.body.jobs.some((job: any) => job.id === id)));
  const metrics = await fetch(`${server.url}/metrics`);
  assert.equal(metrics.status, 200);
  await metrics.text();
}

describe('a full database', () => {
  let server: PressureServer;
  before(async () => {
    server = await startPressureServer();
  });
  after(async () => server.cleanup());

  it('answers writes 503 storage_unavailable, keeps serving reads, loses nothing, and takes writes again without a restart once there is room', async () => {
    const { ids, running } = await seed(server);
    const earlier = rowsOf(server.dbPath, ids);
    const limit = server.connection.pragma('max_page_count', { simple: true }) as number;
    // SQLite's own size limit: the file may not grow by a single page from here on.
    server.connection.pragma(`max_page_count = ${server.connection.pragma('page_count', { simple: true })}`);

    const big = { repo_url: REPO, spec_json: { prompt: 'x'.repeat(150_000) } };
    assertUnavailable(
      await server.api('POST', '/jobs', big, { 'idempotency-key': 'big' }),
      /disk is full/,
      'create',
    );
    // A burst of big and small creates, which group commit may run in one transaction: a full disk
    // rolls that whole transaction back, so a small one may be refused with its batch. Each answer
    // must be the truth: 201 and stored, or 503 and absent (counted below).
    const small = { repo_url: REPO, spec_json: { prompt: 'Small' } };
    const bodies = [big, small, big, small, small, big];
    const burst = await Promise.all(bodies.map((body) => server.api('POST', '/jobs', body)));
    const accepted: string[] = [];
    burst.forEach((reply, index) => {
      if (bodies[index] === big) assertUnavailable(reply, /disk is full/, 'a big create in a burst');
      else if (reply.status === 201) accepted.push(reply.body.id);
      else assertUnavailable(reply, /disk is full/, 'a small create in a burst');
    });
    // Small jobs still fit in the free space of existing pages, until they do not.
    let refused: Reply | undefined;
    while (!refused && accepted.length < 20_000) {
      const reply = await server.api('POST', '/jobs', {
        repo_url: REPO,
        spec_json: { prompt: `Filler ${accepted.length}` },
      });
      if (reply.status === 201) accepted.push(reply.body.id);
      else refused = reply;
    }
    assert.ok(refused, 'the database never filled up');
    assertUnavailable(refused, /disk is full/, 'a small create once full');

    await assertReadsWork(server, ids);
    const contents = readDatabase(server.dbPath);
    assert.deepEqual(contents.integrity, ['ok']);
    assert.equal(contents.jobs.length, ids.length + accepted.length, 'a refused create left a row behind');
    assert.deepEqual(rowsOf(server.dbPath, ids), earlier);
    assert.deepEqual(checkHistory(contents.jobs, contents.events, contents.dependencies), []);

    server.connection.pragma(`max_page_count = ${limit}`);
    const retried = await server.api('POST', '/jobs', big, { 'idempotency-key': 'big' });
    assert.equal(retried.status, 201, 'the refused create with this key left nothing behind');
    assert.equal(
      (await server.api('POST', '/jobs', big, { 'idempotency-key': 'big' })).body.id,
      retried.body.id,
    );
    const completed = await server.api('POST', `/jobs/${running.id}/complete`, {
      lease_token: running.lease_token,
      status: 'done',
    });
    assert.equal(completed.status, 200, JSON.stringify(completed.body));
    assert.deepEqual(readDatabase(server.dbPath).integrity, ['ok']);
  });
});

describe('a database connection switched to read-only while the server runs', () => {
  let server: PressureServer;
  before(async () => {
    server = await startPressureServer();
  });
  after(async () => server.cleanup());

  it('answers every kind of write 503 storage_unavailable, changes nothing, and takes writes again without a restart once it is writable', async () => {
    const { ids, done, running, pending } = await seed(server);
    const before = dumpDatabase(server.dbPath);
    const bytesBefore = databaseFileDigest(server.dbPath);
    // SQLite's read-only switch on the server's own connection (see the README on why not chmod).
    server.connection.pragma('query_only = ON');
    const token = { lease_token: running.lease_token };
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/jobs', { repo_url: REPO, spec_json: { prompt: 'New' } }],
      ['POST', '/jobs/claim'],
      ['POST', `/jobs/${running.id}/heartbeat`, token],
      ['POST', `/jobs/${running.id}/logs`, { ...token, entries: [{ stream: 'stdout', text: 'hello' }] }],
      ['POST', `/jobs/${running.id}/complete`, { ...token, status: 'done' }],
      ['POST', `/jobs/${running.id}/release`, token],
      ['POST', `/jobs/${pending.id}/cancel`],
      ['POST', `/jobs/${done.id}/continue`, { prompt: 'One more thing' }],
      ['DELETE', `/jobs/${done.id}`],
    ];
    for (const [method, path, body] of writes) {
      assertUnavailable(await server.api(method, path, body), /read-only/, `${method} ${path}`);
    }
    await assertReadsWork(server, ids);
    assert.equal(dumpDatabase(server.dbPath), before);
    assert.equal(
      databaseFileDigest(server.dbPath),
      bytesBefore,
      'the database and its WAL are byte-for-byte unchanged',
    );
    assert.deepEqual(readDatabase(server.dbPath).integrity, ['ok']);

    server.connection.pragma('query_only = OFF');
    const completed = await server.api('POST', `/jobs/${running.id}/complete`, { ...token, status: 'done' });
    assert.equal(completed.status, 200, JSON.stringify(completed.body));
    assert.equal((await server.api('POST', '/jobs/claim')).status, 200);
    assert.equal(
      (await server.api('POST', '/jobs', { repo_url: REPO, spec_json: { prompt: 'New' } })).status,
      201,
    );
  });
});

describe('a database file the server may not write', () => {
  const dir = tempDir('baton-read-only-file-');
  const db = join(dir.path, 'baton.db');
  const identity = unprivileged();
  const started: BatonProcess[] = [];
  after(async () => {
    await killAll(started);
    dir.remove();
  });

  it('serves reads and answers writes 503 storage_unavailable, changes nothing, and writes again after a restart once the file is writable', async (t) => {
    if (!canRun(identity)) {
      t.skip(
        'running as root, and uid 65534 cannot read this checkout to run a server it cannot write through',
      );
      return;
    }
    const seeded = await startPressureServer();
    const { ids } = await seed(seeded);
    // Copy the seeded file into a folder the unprivileged server can create its -wal/-shm files in.
    await seeded.connection.backup(db);
    await seeded.cleanup();
    chmodSync(dir.path, 0o777);
    chmodSync(db, 0o444);
    const before = dumpDatabase(db);

    const start = async () => {
      const baton = await startBatonAs(['server', '--port', '0', '--db', db], identity);
      started.push(baton);
      return baton;
    };
    const stop = async (baton: BatonProcess) => {
      baton.child.kill('SIGTERM');
      assert.equal(await exitCode(baton.child), 0, baton.stderr());
    };
    const readOnly = await start();
    const listed = await call(readOnly.url, 'GET', '/jobs?limit=500');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.jobs.map((job: any) => job.id).sort(), [...ids].sort());
    assert.equal((await call(readOnly.url, 'GET', '/healthz')).status, 200);
    const newJob = { repo_url: REPO, spec_json: { prompt: 'New' } };
    assertUnavailable(await call(readOnly.url, 'POST', '/jobs', newJob), /read-only/, 'create');
    assertUnavailable(await call(readOnly.url, 'POST', '/jobs/claim'), /read-only/, 'claim');
    // SQLite opened the file read-only; making it writable does not change an open connection.
    for (const file of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(file)) chmodSync(file, 0o666);
    assertUnavailable(await call(readOnly.url, 'POST', '/jobs', newJob), /read-only/, 'create after chmod');
    await stop(readOnly);
    assert.equal(dumpDatabase(db), before);
    assert.deepEqual(readDatabase(db).integrity, ['ok']);

    const writable = await start();
    assert.equal((await call(writable.url, 'POST', '/jobs', newJob)).status, 201);
    assert.equal((await call(writable.url, 'POST', '/jobs/claim')).status, 200);
    await stop(writable);
    assert.deepEqual(readDatabase(db).integrity, ['ok']);
  });
});

/** The stored rows of the given jobs and their history, to show they did not change. */
function rowsOf(path: string, ids: readonly string[]): unknown[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const job = db.prepare('SELECT * FROM jobs WHERE id = ?');
    const events = db.prepare('SELECT * FROM job_events WHERE job_id = ? ORDER BY seq');
    return ids.map((id) => [job.get(id), events.all(id)]);
  } finally {
    db.close();
  }
}
