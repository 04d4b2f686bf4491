// The throughput phase: warm-up, then measured rounds of enqueue and claim+complete per server.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { drain, enqueue } from './load.ts';
import { machineBusySeconds, type RunningServer, startBaton, startYardstick } from './servers.ts';
import { log, SETTINGS } from './settings.ts';

export interface Span {
  seconds: number;
  /** CPU seconds of the server process. */
  serverCpu: number;
  /** CPU seconds of this process, the load client. */
  clientCpu: number;
  /** Busy CPU seconds of the rest of the machine: other processes, kernel work, steal. */
  otherCpu: number;
}

export interface Round {
  enqueue: Span;
  cycles: Span;
}

async function measure(server: RunningServer, work: () => Promise<void>): Promise<Span> {
  const machine0 = machineBusySeconds();
  const cpu0 = server.cpuSeconds();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const serverCpu = server.cpuSeconds() - cpu0;
  const clientCpu = (client.user + client.system) / 1e6;
  const otherCpu = Math.max(0, machineBusySeconds() - machine0 - serverCpu - clientCpu);
  return { seconds, serverCpu, clientCpu, otherCpu };
}

/** Unmeasured rounds like the measured ones, BENCH_WARMUP jobs in all: JIT, caches and the client settle. */
async function warmUp(server: RunningServer): Promise<void> {
  const { warmup, jobs, workers, enqueueClients } = SETTINGS;
  if (warmup === 0) return;
  log(`${server.name}: warm-up, ${warmup} jobs`);
  for (let left = warmup; left > 0; left -= jobs) {
    const count = Math.min(jobs, left);
    await enqueue(server.url, count, enqueueClients);
    const warmed = await drain(server.url, workers);
    if (warmed !== count) throw new Error(`${server.name}: warm-up completed ${warmed} of ${count} jobs`);
  }
}

/** One measured round: enqueue BENCH_JOBS, then drain them with BENCH_WORKERS. */
async function round(server: RunningServer): Promise<Round> {
  const { jobs, workers, enqueueClients } = SETTINGS;
  const enqueued = await measure(server, () => enqueue(server.url, jobs, enqueueClients));
  let cycles = 0;
  const drained = await measure(server, async () => {
    cycles = await drain(server.url, workers);
  });
  if (cycles !== jobs) throw new Error(`${server.name}: completed ${cycles} of ${jobs} jobs`);
  return { enqueue: enqueued, cycles: drained };
}

/** Baton (under --cpu-prof when BENCH_CPU_PROF is set) and the yardstick, for the throughput rounds. */
async function startServers(dir: string): Promise<{ batonServer: RunningServer; yardServer: RunningServer }> {
  const profFlags = SETTINGS.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${SETTINGS.cpuProfDir}`] : [];
  if (SETTINGS.cpuProfDir) mkdirSync(SETTINGS.cpuProfDir, { recursive: true });
  const batonServer = await startBaton(join(dir, 'throughput.db'), profFlags);
  const yardServer = await startYardstick();
  log(`Baton (pid ${batonServer.pid}) at ${batonServer.url}${profFlags.length ? ', under --cpu-prof' : ''}`);
  log(`yardstick (pid ${yardServer.pid}) at ${yardServer.url}`);
  return { batonServer, yardServer };
}

/**
 * Phases 1-2 of the benchmark, for both servers:
 *
 * 1. Enqueue rate: BENCH_JOBS x POST /jobs from BENCH_ENQUEUE_CLIENTS concurrent clients.
 * 2. Claim+complete cycles/s: BENCH_WORKERS concurrent workers, each looping
 *    POST /jobs/claim?worker_id=... then POST /jobs/:id/complete {status:'done', lease_token}
 *    until the claim answers 404, over the BENCH_JOBS jobs just enqueued.
 * 3. Server CPU per job: the server process's own utime+stime (/proc/<pid>/stat, all threads) over
 *    phases 1 and 2 together, divided by BENCH_JOBS.
 *
 * BENCH_ROUNDS rounds per server, Baton's and the yardstick's alternating (so that anything else
 * running on the machine hurts both alike), after an unmeasured warm-up of BENCH_WARMUP jobs each
 * (V8 needs some 10-20k requests to settle).
 */
export async function runThroughput(dir: string): Promise<{ baton: Round[]; yard: Round[] }> {
  const baton: Round[] = [];
  const yard: Round[] = [];
  const { batonServer, yardServer } = await startServers(dir);
  try {
    await warmUp(yardServer);
    await warmUp(batonServer);
    for (let r = 1; r <= SETTINGS.rounds; r += 1) {
      log(`round ${r}/${SETTINGS.rounds}: ${SETTINGS.jobs} jobs each, enqueued then claimed+completed`);
      // Alternate who goes first, so a slow spell on the machine does not always hit the same one.
      if (r % 2 === 1) {
        yard.push(await round(yardServer));
        baton.push(await round(batonServer));
      } else {
        baton.push(await round(batonServer));
        yard.push(await round(yardServer));
      }
    }
  } finally {
    await Promise.all([batonServer.stop(), yardServer.stop()]);
  }
  return { baton, yard };
}

/** The throughput figures of one round; the table shows the median of each over the rounds. */
export function figures(r: Round) {
  const { jobs } = SETTINGS;
  return {
    enqueueRate: jobs / r.enqueue.seconds,
    cycleRate: jobs / r.cycles.seconds,
    createCpu: r.enqueue.serverCpu / jobs,
    cycleCpu: r.cycles.serverCpu / jobs,
    totalCpu: (r.enqueue.serverCpu + r.cycles.serverCpu) / jobs,
    serverBusy: r.cycles.serverCpu / r.cycles.seconds,
    clientBusy: r.cycles.clientCpu / r.cycles.seconds,
    otherBusy: (r.enqueue.otherCpu + r.cycles.otherCpu) / (r.enqueue.seconds + r.cycles.seconds),
  };
}

export type Figure = keyof ReturnType<typeof figures>;
