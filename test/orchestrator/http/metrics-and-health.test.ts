import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Reaper } from '../../../src/orchestrator/reaper.ts';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { claimExpecting, createJob, jobBody } from './support.ts';

let server: ServerFixture;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.cleanup();
});

/** Samples of the Prometheus text format, keyed by `name{labels}`. */
async function scrape(): Promise<Map<string, number>> {
  const response = await server.api('GET', '/metrics');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (response.body as string).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+) (\d+(?:\.\d+)?)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    assert.equal(samples.has(match[1]!), false, `sample ${match[1]} appears twice`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

const jobsGauge = (samples: Map<string, number>) =>
  Object.fromEntries(
    ['pending', 'running', 'awaiting_input', 'done', 'failed', 'cancelled'].map((s) => [
      s,
      samples.get(`baton_jobs{status="${s}"}`),
    ]),
  );

describe('GET /metrics', () => {
  it('reports zero jobs, claims and no conflicts on a fresh database', async () => {
    const samples = await scrape();
    assert.deepEqual(jobsGauge(samples), {
      pending: 0,
      running: 0,
      awaiting_input: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    });
    assert.equal(samples.get('baton_claims_total'), 0);
    assert.equal(samples.get('baton_jobs_created_total'), 0);
    assert.equal([...samples.keys()].filter((k) => k.startsWith('baton_conflicts_total')).length, 0);
  });

  it('reflects jobs by status, claims, completions, lease expiries and conflicts after some activity', async () => {
    const a = await createJob(server);
    const b = await createJob(server);
    const c = await createJob(server);
    const d = await createJob(server, { run_at: '2099-01-01T00:00:00Z' });

    const leaseA = await claimExpecting(server, a.id);
    const leaseB = await claimExpecting(server, b.id);
    const leaseC = await claimExpecting(server, c.id, 'lease_ms=1000');
    await server.api('POST', `/jobs/${a.id}/complete`, { status: 'done', lease_token: leaseA.lease_token });
    await server.api('POST', `/jobs/${b.id}/complete`, { status: 'failed', lease_token: leaseB.lease_token });
    server.clock.advance(1_001);
    const reaped = await new Reaper({ store: server.store, now: () => server.clock.now() }).runOnce();
    assert.deepEqual(
      reaped.map((job) => job.id),
      [c.id],
    );
    await claimExpecting(server, c.id);

    // One refusal of each kind that counts as a conflict.
    const refusals = [
      await server.api('POST', `/jobs/${c.id}/complete`, { status: 'done', lease_token: leaseC.lease_token }),
      await server.api('POST', `/jobs/${d.id}/cancel`, undefined, { 'if-match': '"v7"' }),
      await server.api('POST', `/jobs/${d.id}/retry`),
      await server.api('DELETE', `/jobs/${c.id}`),
    ];
    assert.deepEqual(
      refusals.map((r) => `${r.status} ${r.body.code}`),
      ['409 stale_lease', '412 precondition_failed', '409 invalid_transition', '409 conflict'],
    );
    await server.api('POST', '/jobs', jobBody(), { 'idempotency-key': 'k' });
    const reused = await server.api('POST', '/jobs', jobBody({ priority: 1 }), { 'idempotency-key': 'k' });
    assert.equal(reused.status, 409);
    await server.api('POST', '/jobs', { nonsense: true });

    const samples = await scrape();
    assert.deepEqual(jobsGauge(samples), {
      pending: 2,
      running: 1,
      awaiting_input: 0,
      done: 1,
      failed: 1,
      cancelled: 0,
    });
    assert.equal(samples.get('baton_jobs_created_total'), 5);
    assert.equal(samples.get('baton_claims_total'), 4);
    assert.equal(samples.get('baton_completions_total{status="done"}'), 1);
    assert.equal(samples.get('baton_completions_total{status="failed"}'), 1);
    assert.equal(samples.get('baton_completions_total{status="awaiting_input"}'), undefined);
    assert.equal(samples.get('baton_lease_expiries_total{outcome="pending"}'), 1);
    assert.equal(samples.get('baton_conflicts_total{code="stale_lease"}'), 1);
    assert.equal(samples.get('baton_conflicts_total{code="precondition_failed"}'), 1);
    assert.equal(samples.get('baton_conflicts_total{code="invalid_transition"}'), 1);
    assert.equal(samples.get('baton_conflicts_total{code="conflict"}'), 2);
    assert.equal(samples.get('baton_conflicts_total{code="validation_failed"}'), undefined);
    assert.equal(samples.get('baton_refusals_total{code="validation_failed"}'), 1);
    assert.equal(samples.get('baton_transitions_total{type="expired",to="pending"}'), 1);
  });

  it('keeps the durable counters across a restart', async () => {
    const job = await createJob(server);
    const lease = await claimExpecting(server, job.id);
    await server.api('POST', `/jobs/${job.id}/complete`, { status: 'done', lease_token: lease.lease_token });
    await server.restart();
    const samples = await scrape();
    assert.equal(samples.get('baton_claims_total'), 1);
    assert.equal(samples.get('baton_completions_total{status="done"}'), 1);
    assert.equal(samples.get('baton_jobs{status="done"}'), 1);
  });
});

describe('GET /healthz', () => {
  it('answers 200 with ok: true', async () => {
    const response = await server.api('GET', '/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { ok: true });
  });
});
