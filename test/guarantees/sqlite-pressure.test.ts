/**
 * SQLite under pressure (issue 4), part one: two orchestrator processes on one database file. Real
 * `baton server` processes, a real file, real HTTP. The claim is that this layout is safe; the run
 * below is the evidence, checked from the database afterwards. Full and read-only storage are in
 * sqlite-pressure/storage-failures.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/orchestrator/store/sqlite/migrations.ts';
import { type BatonProcess, exitCode, killAll, startBaton } from '../baton-process.ts';
import { requestJson as call, parseMetrics, tempDir, waitFor } from '../helpers.ts';
import { readDatabase } from './read-database.ts';
import {
  abandonJobs,
  completeLate,
  FAIL_FIRST,
  newJournal,
  runClient,
} from './sqlite-pressure/claim-clients.ts';
import { checkHistory } from './sqlite-pressure/history-checks.ts';

const REPO = '/srv/repos/app';
const OPEN_STORE = fileURLToPath(new URL('./sqlite-pressure/open-store.ts', import.meta.url));
const JOBS = 300;

/** Job `i` of the run: some share a branch, some fail once, some wait on an earlier job. */
function jobBody(i: number, ids: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {
    repo_url: REPO,
    spec_json: { prompt: `Task number ${i}`, ...(i % 7 === 3 ? { notes: FAIL_FIRST } : {}) },
    max_attempts: 5,
  };
  if (i % 10 === 0) body.branch_name = 'shared/one';
  if (i % 10 === 5) body.branch_name = 'shared/two';
  if (i % 15 === 14 && i >= 20) body.depends_on = [ids[i - 20]];
  return body;
}

const key = (record: { job_id: string; attempt: number }) => `${record.job_id}#${record.attempt}`;

describe('two orchestrator processes on one database file', () => {
  const dir = tempDir('baton-two-processes-');
  const started: BatonProcess[] = [];
  const start = async (db: string) => {
    const baton = await startBaton(['server', '--port', '0', '--db', db]);
    started.push(baton);
    return baton;
  };
  const stop = async (baton: BatonProcess) => {
    baton.child.kill('SIGTERM');
    assert.equal(await exitCode(baton.child), 0, baton.stderr());
  };

  after(async () => {
    await killAll(started);
    dir.remove();
  });

  it('claims every job exactly once per attempt, with legal transitions and no overlapping leases, when clients use both processes at once', async (t) => {
    const db = join(dir.path, 'shared.db');
    const [a, b] = await Promise.all([start(db), start(db)]);
    const urls = [a!.url, b!.url];
    const journal = newJournal();
    const ids: string[] = [];
    const createBatch = async (first: number) => {
      const batch = Array.from({ length: Math.min(20, JOBS - first) }, (_, k) => first + k);
      const created = await Promise.all(
        batch.map((i) => call(urls[i % 2]!, 'POST', '/jobs', jobBody(i, ids))),
      );
      for (const reply of created) {
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        ids.push(reply.body.id);
      }
    };
    // A worker takes five jobs on 1 s leases and vanishes; the reapers of both processes race to
    // expire them while the run goes on. (Taken before the clients start, so it always gets five.)
    await createBatch(0);
    const taken = await abandonJobs(urls[1]!, 5, journal);

    let stopped = false;
    const clients = Array.from({ length: 8 }, (_, i) =>
      runClient({
        name: `client-${i}`,
        claimUrl: urls[i % 2]!,
        otherUrl: urls[(i + 1) % 2]!,
        longPoll: i % 4 < 2,
        journal,
        stopped: () => stopped,
      }),
    );
    // The rest arrive through both processes, twenty at a time, while the clients are claiming.
    for (let first = 20; first < JOBS; first += 20) await createBatch(first);
    const doneCount = async () =>
      parseMetrics(await (await fetch(`${urls[0]}/metrics`)).text()).get('baton_jobs{status="done"}');
    await waitFor('every job done', async () => ((await doneCount()) === JOBS ? true : undefined), 90_000);
    stopped = true;
    await Promise.all(clients);
    await completeLate(urls[0]!, taken, journal);

    // Job and transition counts live in the database, so both processes report the same numbers.
    const scraped = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
    await Promise.all([stop(a!), stop(b!)]);
    const contents = readDatabase(db);
    const claimedEvents = contents.events.filter((event) => event.type === 'claimed');
    const completedEvents = contents.events.filter((event) => event.type === 'completed');

    const violations = checkHistory(contents.jobs, contents.events, contents.dependencies);
    t.diagnostic(
      `two processes: jobs=${contents.jobs.length} claims=${claimedEvents.length} ` +
        `expired=${contents.events.filter((event) => event.type === 'expired').length} ` +
        `duplicates=${journal.completions.filter((c) => c.kind === 'duplicate').length} ` +
        `violations: ${violations.length}`,
    );
    assert.deepEqual(contents.integrity, ['ok']);
    assert.deepEqual(violations, []);
    assert.equal(contents.jobs.length, JOBS);
    assert.deepEqual(
      contents.jobs.filter((job) => job.status !== 'done').map((job) => `${job.id} ${job.status}`),
      [],
    );
    // Every lease granted in the history reached exactly one client, and every client's lease is in it.
    const claimKeys = journal.claims.map(key);
    assert.equal(new Set(claimKeys).size, claimKeys.length, 'a job attempt was handed to two clients');
    assert.deepEqual(claimKeys.sort(), claimedEvents.map(key).sort());
    assert.ok(
      contents.events.some((event) => event.type === 'expired'),
      'the abandoned leases were reaped',
    );
    assert.ok(
      claimedEvents.some((event) => event.attempt > 1),
      'some jobs were claimed again after a failure or an expired lease',
    );
    // Each accepted completion is the one the history records for that attempt.
    const firsts = journal.completions.filter((completion) => completion.kind === 'first');
    assert.deepEqual(
      firsts.filter((completion) => completion.status !== 200),
      [],
    );
    assert.deepEqual(firsts.map(key).sort(), completedEvents.map(key).sort());
    const versionOf = new Map(firsts.map((completion) => [key(completion), completion.version]));
    const duplicates = journal.completions.filter((completion) => completion.kind === 'duplicate');
    assert.ok(duplicates.length > 0);
    for (const duplicate of duplicates) {
      assert.equal(duplicate.status, 200, JSON.stringify(duplicate));
      assert.equal(duplicate.version, versionOf.get(key(duplicate)), 'a repeated completion changed the job');
    }
    const late = journal.completions.filter((completion) => completion.kind === 'late');
    assert.equal(late.length, 5);
    for (const completion of late)
      assert.deepEqual([completion.status, completion.code], [409, 'stale_lease']);
    assert.equal(journal.unavailable, 0, 'a write failed instead of waiting for the other process');
    for (const text of scraped) {
      assert.equal(parseMetrics(text).get('baton_claims_total'), claimedEvents.length);
      assert.equal(parseMetrics(text).get('baton_jobs_created_total'), JOBS);
    }
  });

  it('wakes a long poll in one process for a job created through the other, by its re-check interval', async () => {
    const db = join(dir.path, 'wake.db');
    const [a, b] = await Promise.all([start(db), start(db)]);
    const polling = call(b!.url, 'POST', '/jobs/claim?worker_type=wake&worker_id=poller&wait_ms=30000');
    // Give the poll time to reach the server; were it late, it would find the job at once instead.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const early = await Promise.race([polling.then(() => 'answered'), Promise.resolve('waiting')]);
    assert.equal(early, 'waiting', 'the long poll answered before there was a job to claim');
    const created = await call(a!.url, 'POST', '/jobs', {
      repo_url: REPO,
      worker_type: 'wake',
      spec_json: { prompt: 'Wake up' },
    });
    assert.equal(created.status, 201);
    const claimed = await polling;
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    assert.equal(claimed.body.id, created.body.id);
    assert.equal(claimed.body.lease_owner, 'poller');
    await Promise.all([stop(a!), stop(b!)]);
  });
});

describe('processes opening one new database file at the same moment', () => {
  const dir = tempDir('baton-migrate-race-');
  after(() => dir.remove());

  it('lets a process that finds the schema missing, then waits for the write lock while another creates it, start normally', async () => {
    const path = join(dir.path, 'fresh.db');
    // This test plays the first process: it holds the write lock while it creates the schema.
    const first = new Database(path);
    first.pragma('journal_mode = WAL');
    first.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    first.exec('BEGIN IMMEDIATE');
    const second = spawn(process.execPath, ['--import', 'tsx', OPEN_STORE, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    second.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    second.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    try {
      await waitFor('the second process', async () => (out.includes('opening') ? true : undefined), 30_000);
      // The second process reads the (still empty) schema version at once, then waits for the lock
      // (busy_timeout 5 s). A second later this one finishes the schema and lets it go.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const record = first.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      for (const migration of MIGRATIONS) {
        first.exec(migration.sql);
        record.run(migration.version, migration.name, 0);
      }
      first.exec('COMMIT');
      assert.equal(await exitCode(second), 0, err);
      assert.match(out, /opened/);
      const versions = first.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        versions,
        MIGRATIONS.map((migration) => ({ version: migration.version })),
      );
    } finally {
      if (first.inTransaction) first.exec('ROLLBACK');
      first.close();
      second.kill('SIGKILL');
    }
  });
});

describe('a database another process holds the write lock on', () => {
  const dir = tempDir('baton-locked-');
  const db = join(dir.path, 'locked.db');
  let server: BatonProcess;
  let other: Database.Database;
  before(async () => {
    server = await startBaton(['server', '--port', '0', '--db', db]);
    other = new Database(db);
  });
  after(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    server.child.kill('SIGKILL');
    await exitCode(server.child);
    dir.remove();
  });

  it('keeps answering reads, and a write waits for the lock and succeeds once the other process commits', async () => {
    const created = await call(server.url, 'POST', '/jobs', {
      repo_url: REPO,
      spec_json: { prompt: 'Before' },
    });
    assert.equal(created.status, 201);
    other.exec('BEGIN IMMEDIATE');
    const read = await call(server.url, 'GET', `/jobs/${created.body.id}`);
    assert.equal(read.status, 200, 'a reader is not blocked by a writer in WAL mode');
    const writing = call(server.url, 'POST', '/jobs', {
      repo_url: REPO,
      spec_json: { prompt: 'While locked' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    other.exec('COMMIT');
    const written = await writing;
    assert.equal(written.status, 201, JSON.stringify(written.body));
  });

  it('answers a write 503 storage_unavailable when the lock outlasts the busy timeout, then writes again once it is released', async () => {
    other.exec('BEGIN IMMEDIATE');
    const refused = await call(server.url, 'POST', '/jobs', {
      repo_url: REPO,
      spec_json: { prompt: 'Too long' },
    });
    other.exec('ROLLBACK');
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'storage_unavailable');
    assert.match(refused.body.error, /locked by another process/);
    const listed = await call(server.url, 'GET', '/jobs?limit=500');
    assert.equal(listed.body.jobs.filter((job: any) => job.spec_json.prompt === 'Too long').length, 0);
    const written = await call(server.url, 'POST', '/jobs', {
      repo_url: REPO,
      spec_json: { prompt: 'After' },
    });
    assert.equal(written.status, 201, JSON.stringify(written.body));
  });
});
