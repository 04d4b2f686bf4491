// `npm run bench:store`: the SQLite store alone, no HTTP: CPU per job (create + claim + complete) with
// BENCH_WORKERS concurrent writers, in this process. It shows the floor that durable per-request
// commits put under Baton's HTTP figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/orchestrator/clock.ts';
import { SqliteStore } from '../src/orchestrator/store/sqlite/sqlite-store.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 5_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const body = {
  repo_url: '/srv/repos/app',
  spec_json: { prompt: 'Add a health check endpoint to the service' },
};

const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

async function round(store: SqliteStore): Promise<{ create: number; cycle: number }> {
  let start = process.cpuUsage();
  for (let i = 0; i < JOBS; i += WORKERS) {
    await Promise.all(Array.from({ length: Math.min(WORKERS, JOBS - i) }, () => store.createJob(body)));
  }
  const create = cpuMicros(start) / JOBS;
  start = process.cpuUsage();
  const worker = async () => {
    for (;;) {
      const job = await store.claim({ workerType: 'default', workerId: 'bench', leaseMs: 60_000 });
      if (!job) return;
      await store.complete(job.id, { status: 'done', leaseToken: job.lease_token as string });
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return { create, cycle: cpuMicros(start) / JOBS };
}

const dir = mkdtempSync(join(tmpdir(), 'baton-store-bench-'));
try {
  const store = new SqliteStore({ path: join(dir, 'baton.db'), clock: systemClock });
  await round(store); // warm-up
  const results = [];
  for (let i = 0; i < ROUNDS; i += 1) results.push(await round(store));
  await store.close();
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const create = median(results.map((r) => r.create));
  const cycle = median(results.map((r) => r.cycle));
  process.stdout.write(
    `SQLite store alone, ${WORKERS} concurrent writers, median of ${ROUNDS} rounds of ${JOBS} jobs:\n` +
      `  create ${create.toFixed(0)} µs, claim+complete ${cycle.toFixed(0)} µs, total ${(create + cycle).toFixed(0)} µs of CPU per job\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
