/**
 * Bad-input fuzzing of every endpoint over real HTTP, against a real server on a real SQLite file
 * seeded with a job in each status. Each generated request departs from a valid request in one
 * input; every answer must be the 4xx the README promises for that class of input, in the
 * `{ error, code }` shape, the server must keep answering, and the database must not change:
 * neither its rows (checked after every request) nor the bytes of its files (checked per endpoint).
 * BATON_FUZZ_RUNS sets the cases per endpoint and input class (default 10); BATON_FUZZ_SEED replays.
 * Past about 100 runs the file outlasts the runner's 120 s per-file timeout; run it alone then:
 * `BATON_FUZZ_RUNS=500 node --import tsx --test --test-timeout=0 test/guarantees/bad-input-fuzz.test.ts`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type ServerFixture, startServer } from '../helpers.ts';
import { claimExpecting, createJob } from '../orchestrator/http/support.ts';
import { casesFor, type FuzzCase, INPUT_CLASSES, validRequest } from './fuzz/cases.ts';
import { ENDPOINTS, endpointName, type Seed } from './fuzz/endpoints.ts';
import { DatabaseWatch } from './fuzz/snapshot.ts';
import { send, type WireResponse } from './fuzz/wire.ts';

const RUNS = Number(process.env.BATON_FUZZ_RUNS || 10);
const SEED = process.env.BATON_FUZZ_SEED ? Number(process.env.BATON_FUZZ_SEED) : undefined;
/** Small, so oversize bodies are cheap; still above the largest field maximum that fits (200,000 characters). */
const BODY_LIMIT = 256 * 1024;

/** One job in each status; claims go in submission order, so each is created and then moved on. */
async function seedJobs(server: ServerFixture): Promise<Seed> {
  const finished = async (status: string) => {
    const { id } = await createJob(server);
    const { lease_token } = await claimExpecting(server, id);
    const done = await server.api('POST', `/jobs/${id}/complete`, { status, lease_token });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    return id;
  };
  const done = await finished('done');
  const failed = await finished('failed');
  const awaiting = await finished('awaiting_input');
  const running = (await createJob(server)).id;
  const { lease_token } = await claimExpecting(server, running, 'lease_ms=3600000');
  const logs = await server.api('POST', `/jobs/${running}/logs`, {
    lease_token,
    entries: [{ stream: 'stdout', text: 'hello' }],
  });
  assert.equal(logs.status, 200, JSON.stringify(logs.body));
  const cancelled = (await createJob(server)).id;
  assert.equal((await server.api('POST', `/jobs/${cancelled}/cancel`)).status, 200);
  const pending = (await createJob(server, { run_at: '2099-01-01T00:00:00Z' })).id;
  return { ids: { pending, running, done, failed, cancelled, awaiting }, leaseToken: lease_token };
}

/** Asserts the answer is the class's 4xx in the error shape; returns a short label for the counts. */
function assertRefused(fuzz: FuzzCase, response: WireResponse): void {
  const expected = INPUT_CLASSES[fuzz.inputClass];
  const said = `${fuzz.what}\n  answered ${response.status} ${response.contentType} ${response.text.slice(0, 300)}`;
  assert.ok(response.status >= 400 && response.status < 500, `not a 4xx: ${said}`);
  assert.match(response.contentType, /^application\/json/, said);
  const body = JSON.parse(response.text) as { error?: unknown; code?: unknown };
  assert.equal(typeof body.error, 'string', said);
  assert.ok((body.error as string).length > 0, said);
  assert.equal(body.code, expected.code, said);
  assert.equal(response.status, expected.status, said);
}

describe('every endpoint refuses malformed input with a stable 4xx and changes nothing', () => {
  let server: ServerFixture;
  let seed: Seed;
  let watch: DatabaseWatch;
  /** endpoint -> "<input class> -> <status> <code>" -> requests */
  const counts = new Map<string, Map<string, number>>();

  before(async () => {
    server = await startServer({ bodyLimit: BODY_LIMIT });
    seed = await seedJobs(server);
    watch = new DatabaseWatch(server.dbPath);
  });

  after(async () => {
    watch?.close();
    await server?.cleanup();
    printCounts(counts);
  });

  for (const endpoint of ENDPOINTS) {
    const name = endpointName(endpoint);
    it(`${name} answers each class of malformed request with its one 4xx code and writes nothing`, async () => {
      const tally = counts.get(name) ?? new Map<string, number>();
      counts.set(name, tally);
      const rows = watch.dump();
      const bytes = watch.fileDigest();
      let last = rows;
      for (const [inputClass, cases] of casesFor(endpoint, seed, BODY_LIMIT)) {
        await fc.assert(
          fc.asyncProperty(cases, async (fuzz) => {
            const response = await send(server.url, fuzz.request);
            const label = `${inputClass} -> ${response.status} ${codeOf(response)}`;
            tally.set(label, (tally.get(label) ?? 0) + 1);
            const now = watch.dump();
            const changed = now !== last;
            last = now; // each request is judged on its own change, so shrinking stays meaningful
            assertRefused(fuzz, response);
            assert.ok(!changed, `the database changed after ${fuzz.what}`);
          }),
          { numRuns: RUNS, seed: SEED },
        );
        const health = await server.api('GET', '/healthz');
        assert.deepEqual(
          [health.status, health.body],
          [200, { ok: true }],
          `server unhealthy after ${inputClass}`,
        );
      }
      // Per endpoint, so one endpoint's failure does not show up again as every later one's.
      assert.equal(watch.dump(), rows, 'rows differ from those before this endpoint was fuzzed');
      assert.equal(watch.fileDigest(), bytes, 'database or WAL file bytes differ from those before');
    });
  }
});

describe('the valid request each fuzz case departs from', () => {
  it('is accepted by every endpoint (on a twin server), so each refusal comes from the one malformed input', async () => {
    for (const endpoint of ENDPOINTS) {
      // A fresh twin per endpoint: the valid requests change state (cancel, retry, delete, ...).
      const twin = await startServer({ bodyLimit: BODY_LIMIT });
      try {
        const seed = await seedJobs(twin);
        await createJob(twin, { worker_type: 'fuzz-nobody' }); // so the valid claim finds a job
        const response = await send(twin.url, validRequest(endpoint, seed));
        assert.ok(
          response.status < 300,
          `${endpointName(endpoint)}: ${response.status} ${response.text.slice(0, 300)}`,
        );
      } finally {
        await twin.cleanup();
      }
    }
  });
});

describe('regressions the fuzzer found', () => {
  let server: ServerFixture;
  let watch: DatabaseWatch;
  before(async () => {
    server = await startServer();
    watch = new DatabaseWatch(server.dbPath);
  });
  after(async () => {
    watch?.close();
    await server?.cleanup();
  });

  it('refuses a claim whose parameters came in the body instead of the query, and claims nothing', async () => {
    const job = await createJob(server);
    const before = watch.dump();
    // Before the fix the body was ignored: this claimed the `default` job for a `gpu` worker.
    const answer = await server.api('POST', '/jobs/claim', { worker_type: 'gpu' });
    assert.deepEqual([answer.status, answer.body.code], [400, 'validation_failed']);
    assert.equal(watch.dump(), before);
    assert.equal((await server.api('GET', `/jobs/${job.id}`)).body.status, 'pending');
    await claimExpecting(server, job.id); // an empty body (or `{}`) is still fine
  });

  it('refuses a body on DELETE /jobs/:id, and deletes nothing', async () => {
    const { id } = await createJob(server);
    assert.equal((await server.api('POST', `/jobs/${id}/cancel`)).status, 200);
    const before = watch.dump();
    const answer = await server.api('DELETE', `/jobs/${id}`, { force: true });
    assert.deepEqual([answer.status, answer.body.code], [400, 'validation_failed']);
    assert.equal(watch.dump(), before);
    assert.equal((await server.api('GET', `/jobs/${id}`)).status, 200);
  });

  it('refuses names, paths and labels holding a lone surrogate, which SQLite could not store as given', async () => {
    const before = watch.dump();
    // JSON.stringify writes a lone surrogate as the escape `\ud800`: valid JSON, not Unicode text.
    for (const field of [
      'repo_url',
      'branch_name',
      'base_ref',
      'worktree_path',
      'conversation_id',
      'feature_id',
    ]) {
      const answer = await server.api('POST', '/jobs', {
        repo_url: '/srv/repos/app',
        spec_json: { prompt: 'x' },
        [field]: 'a\ud800b',
      });
      assert.deepEqual([answer.status, answer.body.code], [400, 'validation_failed'], field);
    }
    assert.equal(watch.dump(), before);
  });

  it('still accepts a lone surrogate in the prompt, which is stored as JSON and reads back unchanged', async () => {
    const created = await createJob(server, { spec_json: { prompt: 'cut \ud83d' } });
    const read = await server.api('GET', `/jobs/${created.id}`);
    assert.equal(read.body.spec_json.prompt, 'cut \ud83d');
  });
});

function codeOf(response: WireResponse): string {
  try {
    return String((JSON.parse(response.text) as { code?: unknown }).code);
  } catch {
    return '(not JSON)';
  }
}

function printCounts(counts: Map<string, Map<string, number>>): void {
  let total = 0;
  const byAnswer = new Map<string, number>();
  const byClass = new Map<string, number>();
  const lines: string[] = [];
  for (const [endpoint, tally] of counts) {
    const requests = [...tally.values()].reduce((a, b) => a + b, 0);
    total += requests;
    const answers = new Map<string, number>();
    for (const [label, n] of tally) {
      const [inputClass, answer] = label.split(' -> ') as [string, string];
      byClass.set(inputClass, (byClass.get(inputClass) ?? 0) + n);
      answers.set(answer, (answers.get(answer) ?? 0) + n);
      byAnswer.set(answer, (byAnswer.get(answer) ?? 0) + n);
    }
    const summary = [...answers].map(([answer, n]) => `${answer}: ${n}`).join(', ');
    lines.push(`  ${endpoint.padEnd(26)} ${String(requests).padStart(5)}  ${summary}`);
  }
  const serverErrors = [...byAnswer]
    .filter(([answer]) => answer.startsWith('5'))
    .reduce((n, [, k]) => n + k, 0);
  const overall = [...byAnswer].map(([answer, n]) => `${answer}: ${n}`).join(', ');
  console.log(
    [
      `bad-input fuzz: ${total} malformed requests to ${counts.size} endpoints (${RUNS} per endpoint and input class, seed ${SEED ?? 'random'})`,
      ...lines,
      `  by input class: ${[...byClass].map(([inputClass, n]) => `${inputClass} ${n}`).join(', ')}`,
      `  answers: ${overall}; 5xx: ${serverErrors}`,
    ].join('\n'),
  );
}
