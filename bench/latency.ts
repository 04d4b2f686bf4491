// The latency phase: a fresh server per backlog size and side, then sequential timed claims.
import { join } from 'node:path';
import { systemClock } from '../src/orchestrator/clock.ts';
import { SqliteStore } from '../src/orchestrator/store/sqlite/sqlite-store.ts';
import { createClient, expectStatus, type JsonClient } from './http-client.ts';
import { enqueue, newJob } from './load.ts';
import { type RunningServer, startBaton, startYardstick } from './servers.ts';
import { LATENCY_BATCH, log, SETTINGS } from './settings.ts';
import { percentile } from './stats.ts';

export interface Latency {
  backlog: number;
  p50: number;
  p99: number;
}

/** A server holding a backlog, with the one client that times claims against it. */
interface LatencyTarget {
  side: 'baton' | 'yardstick';
  backlog: number;
  server: RunningServer;
  client: JsonClient;
  created: number;
  times: number[];
}

/**
 * One claim, timed; then, untimed, its completion and one new job, so the backlog stays at its size.
 * The timer covers the whole HTTP exchange as the client sees it.
 */
async function timedClaim(target: LatencyTarget): Promise<number> {
  const { client } = target;
  const t0 = performance.now();
  const claimed = await client.post('/jobs/claim?worker_id=bench-latency');
  const elapsed = performance.now() - t0;
  expectStatus(claimed, `${target.server.name} POST /jobs/claim`, 200);
  const job = JSON.parse(claimed.text) as { id: string; lease_token: string };
  const done = await client.post(`/jobs/${job.id}/complete`, {
    status: 'done',
    lease_token: job.lease_token,
  });
  expectStatus(done, `${target.server.name} POST /jobs/:id/complete`, 200);
  target.created += 1;
  expectStatus(await client.post('/jobs', newJob(target.created)), `${target.server.name} POST /jobs`, 201);
  return elapsed;
}

/**
 * Sequential claims, one at a time, against every target in turn (batches of LATENCY_BATCH), so a
 * slow spell on the machine spreads over all backlog sizes instead of skewing one of them.
 */
async function measureLatencies(targets: LatencyTarget[]): Promise<void> {
  const { latencySamples, latencyWarmup } = SETTINGS;
  for (const target of targets) for (let i = 0; i < latencyWarmup; i += 1) await timedClaim(target);
  for (let taken = 0; taken < latencySamples; taken += LATENCY_BATCH) {
    const batch = Math.min(LATENCY_BATCH, latencySamples - taken);
    for (const target of targets) {
      for (let i = 0; i < batch; i += 1) target.times.push(await timedClaim(target));
    }
  }
}

function summarise(target: LatencyTarget): Latency {
  const sorted = [...target.times].sort((a, b) => a - b);
  return { backlog: target.backlog, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Writes `count` pending jobs into a fresh Baton database through the store, as POST /jobs would. */
async function seedBatonDatabase(dbPath: string, count: number): Promise<void> {
  const store = new SqliteStore({ path: dbPath, clock: systemClock });
  try {
    for (let n = 0; n < count; n += 1) await store.createJob(newJob(n));
  } finally {
    await store.close();
  }
}

function newTarget(side: LatencyTarget['side'], backlog: number, server: RunningServer): LatencyTarget {
  const client = createClient(SETTINGS.client, server.url, 1);
  return { side, backlog, server, client, created: backlog, times: [] };
}

/** Starts one Baton and one yardstick per backlog size, each already holding its backlog. */
async function latencyTargets(dir: string): Promise<LatencyTarget[]> {
  const targets: LatencyTarget[] = [];
  for (const backlog of SETTINGS.backlogs) {
    const dbPath = join(dir, `backlog-${backlog}.db`);
    const t0 = performance.now();
    await seedBatonDatabase(dbPath, backlog);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    log(`Baton: ${backlog} pending jobs seeded through SqliteStore in ${seconds} s`);
    targets.push(newTarget('baton', backlog, await startBaton(dbPath)));
    const yardstick = await startYardstick();
    await enqueue(yardstick.url, backlog, SETTINGS.enqueueClients);
    log(`yardstick: ${backlog} pending jobs seeded through POST /jobs`);
    targets.push(newTarget('yardstick', backlog, yardstick));
  }
  return targets;
}

/**
 * Phase 4 of the benchmark: claim latency p50/p99 with each of BENCH_BACKLOGS jobs pending. A fresh
 * server per size and side, the backlog seeded before it (Baton: through SqliteStore straight into
 * the database file before the server starts; yardstick: through POST /jobs). Then one client times
 * BENCH_LATENCY_SAMPLES single claims per server, one at a time, taking the servers in turn in
 * batches of LATENCY_BATCH. Each timed claim is followed, untimed, by its completion and by one new
 * job, so the backlog stays at its size throughout. BENCH_LATENCY_WARMUP untimed rounds first.
 */
export async function runLatency(dir: string): Promise<{ baton: Latency[]; yard: Latency[] }> {
  const targets = await latencyTargets(dir);
  try {
    log(`timing claims against ${targets.length} servers in turn`);
    await measureLatencies(targets);
  } finally {
    for (const target of targets) target.client.close();
    await Promise.all(targets.map((target) => target.server.stop()));
  }
  const bySide = (side: LatencyTarget['side']) =>
    targets.filter((target) => target.side === side).map(summarise);
  return { baton: bySide('baton'), yard: bySide('yardstick') };
}
