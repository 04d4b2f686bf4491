import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { assertNothingClaimable, claim, claimExpecting, createJob, sleep } from './support.ts';

const WAIT_MS = 5000;

describe('long-poll claims (POST /jobs/claim?wait_ms=)', () => {
  let server: ServerFixture;
  before(async () => {
    // No timed re-check within these tests' waits: only the store's change signal can wake a claim.
    server = await startServer({ claimRecheckMs: 60_000 });
  });
  after(async () => {
    await server.cleanup();
  });

  it('answers 404 not_found after waiting out wait_ms when no job comes', async () => {
    const started = performance.now();
    const response = await claim(server, 'wait_ms=300');
    const elapsed = performance.now() - started;
    assert.equal(response.status, 404);
    assert.equal(response.body.code, 'not_found');
    assert.equal(typeof response.body.error, 'string');
    assert.ok(elapsed >= 250, `answered after ${elapsed} ms, before the 300 ms wait ran out`);
  });

  it('answers a long-poll claim as soon as a job is created during the wait', async () => {
    const started = performance.now();
    const polling = claim(server, `wait_ms=${WAIT_MS}`);
    await sleep(200);
    const job = await createJob(server);
    const response = await polling;
    const elapsed = performance.now() - started;
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.id, job.id);
    assert.equal(response.body.status, 'running');
    assert.ok(
      elapsed < WAIT_MS - 1000,
      `answered after ${elapsed} ms, not before the ${WAIT_MS} ms wait ran out`,
    );
    await server.api('POST', `/jobs/${job.id}/complete`, {
      status: 'done',
      lease_token: response.body.lease_token,
    });
  });

  it('answers a long-poll claim as soon as a dependency completes and makes its dependent claimable', async () => {
    const first = await createJob(server, { spec_json: { prompt: 'Write the migration' } });
    const second = await createJob(server, {
      spec_json: { prompt: 'Use the new table' },
      depends_on: [first.id],
    });
    const lease = await claimExpecting(server, first.id);
    await assertNothingClaimable(server);

    const started = performance.now();
    const polling = claim(server, `wait_ms=${WAIT_MS}`);
    await sleep(200);
    const completed = await server.api('POST', `/jobs/${first.id}/complete`, {
      status: 'done',
      lease_token: lease.lease_token,
    });
    assert.equal(completed.status, 200, JSON.stringify(completed.body));
    const response = await polling;
    const elapsed = performance.now() - started;
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.id, second.id);
    assert.ok(
      elapsed < WAIT_MS - 1000,
      `answered after ${elapsed} ms, not before the ${WAIT_MS} ms wait ran out`,
    );
  });

  it('gives a job created during several waits to exactly one of the waiting claims', async () => {
    const polls = [1, 2, 3].map(() => claim(server, 'wait_ms=1500'));
    await sleep(200);
    const job = await createJob(server);
    const answers = await Promise.all(polls);
    const winners = answers.filter((a) => a.status === 200);
    assert.equal(winners.length, 1, JSON.stringify(answers.map((a) => a.status)));
    assert.equal(winners[0]!.body.id, job.id);
    for (const loser of answers.filter((a) => a.status !== 200)) assert.equal(loser.status, 404);
  });
});

describe('long-poll claims waiting for run_at', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer({ claimRecheckMs: 50 });
  });
  after(async () => {
    await server.cleanup();
  });

  it('answers a long-poll claim when run_at comes due during the wait', async () => {
    const runAt = new Date(server.clock.now() + 60_000).toISOString();
    const job = await createJob(server, { run_at: runAt });
    const started = performance.now();
    const polling = claim(server, `wait_ms=${WAIT_MS}`);
    await sleep(200);
    server.clock.advance(61_000);
    const response = await polling;
    const elapsed = performance.now() - started;
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.id, job.id);
    assert.ok(
      elapsed < WAIT_MS - 1000,
      `answered after ${elapsed} ms, not before the ${WAIT_MS} ms wait ran out`,
    );
  });
});
