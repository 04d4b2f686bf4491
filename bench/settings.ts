// Benchmark settings read from BENCH_* environment variables, the fixed targets, and the stderr log.
import { resolve } from 'node:path';
import type { ClientKind } from './http-client.ts';

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
  return value;
}

/** BENCH_CLIENT=node-http drives the load through `node:http` instead of the raw-socket client. */
function clientKind(value: string | undefined): ClientKind {
  if (value === undefined || value === '' || value === 'raw') return 'raw';
  if (value === 'node-http') return value;
  throw new Error('BENCH_CLIENT must be raw or node-http');
}

function backlogSizes(raw: string): number[] {
  return raw.split(',').map((size) => {
    const value = Number(size.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error('BENCH_BACKLOGS must list whole numbers');
    return value;
  });
}

export const SETTINGS = {
  jobs: intEnv('BENCH_JOBS', 5_000),
  workers: intEnv('BENCH_WORKERS', 8),
  enqueueClients: intEnv('BENCH_ENQUEUE_CLIENTS', 4),
  rounds: intEnv('BENCH_ROUNDS', 5),
  warmup: intEnv('BENCH_WARMUP', 10_000, 0),
  backlogs: backlogSizes(process.env.BENCH_BACKLOGS ?? '1000,10000,50000'),
  latencySamples: intEnv('BENCH_LATENCY_SAMPLES', 500),
  latencyWarmup: intEnv('BENCH_LATENCY_WARMUP', 300, 0),
  client: clientKind(process.env.BENCH_CLIENT),
  /**
   * BENCH_CPU_PROF=<dir> runs Baton's throughput server under `node --cpu-prof` (which slows it),
   * keeps the profile in <dir> and prints where Baton's CPU went.
   */
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
};

export const TARGETS = { cpuPerJob: 2, cycles: 0.5, p50Growth: 1.5 };
export const LATENCY_BATCH = 25;
/** Above this share of a core busy outside the server and the client, the report warns of other load. */
export const OTHER_LOAD_WARNING = 0.25;

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
