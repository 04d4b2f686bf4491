/**
 * `npm run bench`: measures Baton against a yardstick (bench/yardstick-server.ts, an in-memory
 * `node:http` queue with the same endpoints and JSON, the most a JSON HTTP API can do on this
 * machine) in one run, and prints Baton's figures as ratios to it. Not a test: it measures and
 * prints, and fails only when the benchmark itself cannot run.
 *
 * Each server runs as its own child process on 127.0.0.1; the load comes from this process over
 * keep-alive connections (bench/http-client.ts). What is measured, for both:
 *
 * 1. Enqueue rate: BENCH_JOBS x POST /jobs from BENCH_ENQUEUE_CLIENTS concurrent clients.
 * 2. Claim+complete cycles/s: BENCH_WORKERS concurrent workers, each looping
 *    POST /jobs/claim?worker_id=... then POST /jobs/:id/complete {status:'done', lease_token}
 *    until the claim answers 404, over the BENCH_JOBS jobs just enqueued.
 * 3. Server CPU per job: the server process's own utime+stime (/proc/<pid>/stat, all threads) over
 *    phases 1 and 2 together, divided by BENCH_JOBS.
 *    Phases 1-2 run BENCH_ROUNDS times per server, Baton's and the yardstick's rounds alternating
 *    (so that anything else running on the machine hurts both alike), after an unmeasured warm-up
 *    of BENCH_WARMUP jobs each (V8 needs some 10-20k requests to settle); the table shows medians.
 * 4. Claim latency p50/p99 with each of BENCH_BACKLOGS jobs pending: a fresh server per size and
 *    side, the backlog seeded before it (Baton: through SqliteStore straight into the database file
 *    before the server starts; yardstick: through POST /jobs). Then one client times
 *    BENCH_LATENCY_SAMPLES single claims per server, one at a time, taking the servers in turn in
 *    batches of 25. Each timed claim is followed, untimed, by its completion and by one new job, so
 *    the backlog stays at its size throughout. BENCH_LATENCY_WARMUP untimed rounds first.
 *
 * BENCH_CLIENT=node-http drives the load through `node:http` instead of the raw-socket client.
 * BENCH_CPU_PROF=<dir> runs Baton's throughput server under `node --cpu-prof` (which slows it),
 * keeps the profile in <dir> and prints where Baton's CPU went.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { systemClock } from '../src/orchestrator/clock.ts';
import { SqliteStore } from '../src/orchestrator/store/sqlite/sqlite-store.ts';
import { type ClientKind, createClient, expectStatus, type JsonClient } from './http-client.ts';
import { summariseProfile } from './profile-summary.ts';
import {
  CLK_TCK,
  machineBusySeconds,
  type RunningServer,
  startBaton,
  startYardstick,
  stopAll,
} from './servers.ts';

// ---- settings --------------------------------------------------------------------------------

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
  return value;
}

function clientKind(value: string | undefined): ClientKind {
  if (value === undefined || value === '' || value === 'raw') return 'raw';
  if (value === 'node-http') return value;
  throw new Error('BENCH_CLIENT must be raw or node-http');
}

const SETTINGS = {
  jobs: intEnv('BENCH_JOBS', 5_000),
  workers: intEnv('BENCH_WORKERS', 8),
  enqueueClients: intEnv('BENCH_ENQUEUE_CLIENTS', 4),
  rounds: intEnv('BENCH_ROUNDS', 5),
  warmup: intEnv('BENCH_WARMUP', 10_000, 0),
  backlogs: (process.env.BENCH_BACKLOGS ?? '1000,10000,50000').split(',').map((size) => {
    const value = Number(size.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error('BENCH_BACKLOGS must list whole numbers');
    return value;
  }),
  latencySamples: intEnv('BENCH_LATENCY_SAMPLES', 500),
  latencyWarmup: intEnv('BENCH_LATENCY_WARMUP', 300, 0),
  client: clientKind(process.env.BENCH_CLIENT),
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
};

const TARGETS = { cpuPerJob: 2, cycles: 0.5, p50Growth: 1.5 };
const LATENCY_BATCH = 25;
/** Above this share of a core busy outside the server and the client, the report warns of other load. */
const OTHER_LOAD_WARNING = 0.25;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const newJob = (n: number) => ({
  repo_url: '/srv/repos/bench',
  spec_json: { prompt: `Benchmark job ${n}: make the tests pass` },
});

// ---- load ------------------------------------------------------------------------------------

/** POSTs `count` jobs from `clients` concurrent callers. */
async function enqueue(url: string, count: number, clients: number): Promise<void> {
  const client = createClient(SETTINGS.client, url, clients);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < count) {
          const n = next++;
          expectStatus(await client.post('/jobs', newJob(n)), 'POST /jobs', 201);
        }
      }),
    );
  } finally {
    client.close();
  }
}

/** `workers` concurrent claim+complete loops until a claim answers 404; returns the cycles done. */
async function drain(url: string, workers: number): Promise<number> {
  const client = createClient(SETTINGS.client, url, workers);
  let cycles = 0;
  try {
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (;;) {
          const claimed = await client.post(`/jobs/claim?worker_id=bench-worker-${w}`);
          if (claimed.status === 404) return;
          expectStatus(claimed, 'POST /jobs/claim', 200);
          const job = JSON.parse(claimed.text) as { id: string; lease_token: string };
          const done = await client.post(`/jobs/${job.id}/complete`, {
            status: 'done',
            lease_token: job.lease_token,
          });
          expectStatus(done, 'POST /jobs/:id/complete', 200);
          cycles += 1;
        }
      }),
    );
  } finally {
    client.close();
  }
  return cycles;
}

// ---- measurements ----------------------------------------------------------------------------

interface Span {
  seconds: number;
  /** CPU seconds of the server process. */
  serverCpu: number;
  /** CPU seconds of this process, the load client. */
  clientCpu: number;
  /** Busy CPU seconds of the rest of the machine: other processes, kernel work, steal. */
  otherCpu: number;
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

interface Round {
  enqueue: Span;
  cycles: Span;
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

interface Latency {
  backlog: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
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

/** Starts one Baton and one yardstick per backlog size, each already holding its backlog. */
async function latencyTargets(dir: string): Promise<LatencyTarget[]> {
  const targets: LatencyTarget[] = [];
  const add = (side: LatencyTarget['side'], backlog: number, server: RunningServer) =>
    targets.push({
      side,
      backlog,
      server,
      client: createClient(SETTINGS.client, server.url, 1),
      created: backlog,
      times: [],
    });
  for (const backlog of SETTINGS.backlogs) {
    const dbPath = join(dir, `backlog-${backlog}.db`);
    const t0 = performance.now();
    await seedBatonDatabase(dbPath, backlog);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    log(`Baton: ${backlog} pending jobs seeded through SqliteStore in ${seconds} s`);
    add('baton', backlog, await startBaton(dbPath));
    const yardstick = await startYardstick();
    await enqueue(yardstick.url, backlog, SETTINGS.enqueueClients);
    log(`yardstick: ${backlog} pending jobs seeded through POST /jobs`);
    add('yardstick', backlog, yardstick);
  }
  return targets;
}

interface SideResult {
  rounds: Round[];
  latency: Latency[];
}

async function runAll(dir: string): Promise<{ baton: SideResult; yard: SideResult }> {
  const baton: SideResult = { rounds: [], latency: [] };
  const yard: SideResult = { rounds: [], latency: [] };

  const profFlags = SETTINGS.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${SETTINGS.cpuProfDir}`] : [];
  if (SETTINGS.cpuProfDir) mkdirSync(SETTINGS.cpuProfDir, { recursive: true });
  const batonServer = await startBaton(join(dir, 'throughput.db'), profFlags);
  const yardServer = await startYardstick();
  log(`Baton (pid ${batonServer.pid}) at ${batonServer.url}${profFlags.length ? ', under --cpu-prof' : ''}`);
  log(`yardstick (pid ${yardServer.pid}) at ${yardServer.url}`);
  try {
    await warmUp(yardServer);
    await warmUp(batonServer);
    for (let r = 1; r <= SETTINGS.rounds; r += 1) {
      log(`round ${r}/${SETTINGS.rounds}: ${SETTINGS.jobs} jobs each, enqueued then claimed+completed`);
      // Alternate who goes first, so a slow spell on the machine does not always hit the same one.
      if (r % 2 === 1) {
        yard.rounds.push(await round(yardServer));
        baton.rounds.push(await round(batonServer));
      } else {
        baton.rounds.push(await round(batonServer));
        yard.rounds.push(await round(yardServer));
      }
    }
  } finally {
    await Promise.all([batonServer.stop(), yardServer.stop()]);
  }

  const targets = await latencyTargets(dir);
  try {
    log(`timing claims against ${targets.length} servers in turn`);
    await measureLatencies(targets);
  } finally {
    for (const target of targets) target.client.close();
    await Promise.all(targets.map((target) => target.server.stop()));
  }
  for (const target of targets) (target.side === 'baton' ? baton : yard).latency.push(summarise(target));
  return { baton, yard };
}

// ---- report ----------------------------------------------------------------------------------

const fmtInt = (value: number) => Math.round(value).toLocaleString('en-US');
const fmtMs = (value: number) => `${value.toFixed(value < 10 ? 3 : 1)} ms`;
const fmtUs = (value: number) => `${Math.round(value * 1e6).toLocaleString('en-US')} µs`;
const fmtRatio = (value: number) => `${value.toFixed(2)}x`;
const fmtPercent = (value: number) => `${Math.round(100 * value)}%`;
const fmtSize = (value: number) => (value >= 1000 && value % 1000 === 0 ? `${value / 1000}k` : String(value));

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** The throughput figures of one round; the table shows the median of each over the rounds. */
function figures(r: Round) {
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

type Figure = keyof ReturnType<typeof figures>;

const medianOf = (side: SideResult, figure: Figure) => median(side.rounds.map((r) => figures(r)[figure]));

interface Row {
  metric: string;
  baton: string;
  yardstick: string;
  ratio: string;
  target: string;
}

function report(baton: SideResult, yard: SideResult): { table: string; verdicts: string[]; rounds: string } {
  const { workers, enqueueClients } = SETTINGS;
  const rows: Row[] = [];
  const verdicts: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const pair = (figure: Figure) => [medianOf(baton, figure), medianOf(yard, figure)] as const;

  const [bEnqueue, yEnqueue] = pair('enqueueRate');
  rows.push({
    metric: `Enqueue rate, ${enqueueClients} clients (jobs/s)`,
    baton: fmtInt(bEnqueue),
    yardstick: fmtInt(yEnqueue),
    ratio: fmtRatio(bEnqueue / yEnqueue),
    target: '—',
  });

  const [bCycles, yCycles] = pair('cycleRate');
  const cyclesOk = bCycles / yCycles >= TARGETS.cycles;
  verdicts.push(`cycles/s at least ${TARGETS.cycles}x of the yardstick's: ${verdict(cyclesOk)}`);
  rows.push({
    metric: `Claim+complete, ${workers} workers (cycles/s)`,
    baton: fmtInt(bCycles),
    yardstick: fmtInt(yCycles),
    ratio: fmtRatio(bCycles / yCycles),
    target: `≥ ${TARGETS.cycles}x: ${verdict(cyclesOk)}`,
  });

  const [bCpu, yCpu] = pair('totalCpu');
  const cpuOk = bCpu / yCpu <= TARGETS.cpuPerJob;
  verdicts.push(`server CPU per job within ${TARGETS.cpuPerJob}x of the yardstick's: ${verdict(cpuOk)}`);
  rows.push({
    metric: 'Server CPU per job, create + claim + complete',
    baton: fmtUs(bCpu),
    yardstick: fmtUs(yCpu),
    ratio: fmtRatio(bCpu / yCpu),
    target: `≤ ${TARGETS.cpuPerJob}x: ${verdict(cpuOk)}`,
  });
  for (const [label, figure] of [
    ['create', 'createCpu'],
    ['claim + complete', 'cycleCpu'],
  ] as const) {
    const [b, y] = pair(figure);
    rows.push({
      metric: `&nbsp;&nbsp;of which ${label}`,
      baton: fmtUs(b),
      yardstick: fmtUs(y),
      ratio: fmtRatio(b / y),
      target: '—',
    });
  }
  for (const [label, figure] of [
    ['Server', 'serverBusy'],
    ['Load client', 'clientBusy'],
  ] as const) {
    const [b, y] = pair(figure);
    rows.push({
      metric: `${label} CPU during claim+complete (% of a core)`,
      baton: fmtPercent(b),
      yardstick: fmtPercent(y),
      ratio: '—',
      target: '—',
    });
  }

  for (const [index, b] of baton.latency.entries()) {
    const y = yard.latency[index];
    if (!y) continue;
    for (const [label, pick] of [
      ['p50', (l: Latency) => l.p50],
      ['p99', (l: Latency) => l.p99],
    ] as const) {
      rows.push({
        metric: `Claim latency ${label}, ${fmtSize(b.backlog)} pending`,
        baton: fmtMs(pick(b)),
        yardstick: fmtMs(pick(y)),
        ratio: fmtRatio(pick(b) / pick(y)),
        target: '—',
      });
    }
  }
  const bFirst = baton.latency[0];
  const bLast = baton.latency.at(-1);
  const yFirst = yard.latency[0];
  const yLast = yard.latency.at(-1);
  if (bFirst && bLast && yFirst && yLast && bFirst !== bLast) {
    const bGrowth = bLast.p50 / bFirst.p50;
    const yGrowth = yLast.p50 / yFirst.p50;
    const growthOk = bGrowth <= TARGETS.p50Growth;
    const big = fmtSize(bLast.backlog);
    const small = fmtSize(bFirst.backlog);
    verdicts.push(
      `Baton claim p50 at ${big} pending within ${TARGETS.p50Growth}x of that at ${small}: ${verdict(growthOk)}`,
    );
    rows.push({
      metric: `Claim p50, ${big} pending / ${small} pending`,
      baton: fmtRatio(bGrowth),
      yardstick: fmtRatio(yGrowth),
      ratio: fmtRatio(bGrowth / yGrowth),
      target: `Baton ≤ ${TARGETS.p50Growth}x: ${verdict(growthOk)}`,
    });
  }

  const header: Row = {
    metric: 'metric',
    baton: 'Baton',
    yardstick: 'yardstick',
    ratio: 'Baton / yardstick',
    target: 'target',
  };
  const line = (row: Row) =>
    `| ${row.metric} | ${row.baton} | ${row.yardstick} | ${row.ratio} | ${row.target} |`;
  const table = [line(header), '| --- | ---: | ---: | ---: | --- |', ...rows.map(line)].join('\n');

  const perRound = (name: string, side: SideResult) =>
    side.rounds.map((r, i) => {
      const f = figures(r);
      return (
        `${name.padEnd(9)} #${i + 1}: ${fmtInt(f.enqueueRate).padStart(6)} jobs/s ` +
        `${fmtInt(f.cycleRate).padStart(6)} cycles/s ${fmtUs(f.totalCpu).padStart(8)}/job ` +
        `(create ${fmtUs(f.createCpu)}, claim+complete ${fmtUs(f.cycleCpu)}); ` +
        `rest of machine busy ${fmtPercent(f.otherBusy)} of a core`
      );
    });
  const rounds = [...perRound('Baton', baton), ...perRound('yardstick', yard)].join('\n');
  return { table, verdicts, rounds };
}

// ---- main ------------------------------------------------------------------------------------

/** The main thread's profile of this run: the largest written since `since` (worker threads' are small). */
function mainProfile(dir: string, since: number): string | undefined {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ path: join(dir, name), stat: statSync(join(dir, name)) }))
    .filter((file) => file.stat.mtimeMs >= since)
    .sort((a, b) => b.stat.size - a.stat.size)[0]?.path;
}

/** Set on SIGINT/SIGTERM: the requests then failing are no news. */
let interrupted = false;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const cleanup = async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping servers and removing ${dir}`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const started = performance.now();
  const startedAt = Date.now();
  try {
    log(
      `${SETTINGS.rounds} rounds of ${SETTINGS.jobs} jobs after ${SETTINGS.warmup} warm-up, ` +
        `${SETTINGS.workers} workers, ${SETTINGS.enqueueClients} enqueue clients, backlogs ` +
        `${SETTINGS.backlogs.join('/')}, ${SETTINGS.latencySamples} latency samples; temp ${dir}`,
    );
    const { baton, yard } = await runAll(dir);
    const { table, verdicts, rounds } = report(baton, yard);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const out = [
      '',
      `## Baton vs yardstick (node ${process.version}, ${cpus().length} × ${cpu}, CLK_TCK ${CLK_TCK})`,
      '',
      `Throughput: after ${SETTINGS.warmup} warm-up jobs each, ${SETTINGS.rounds} alternating rounds per ` +
        `server of ${SETTINGS.jobs} jobs: enqueue with ${SETTINGS.enqueueClients} concurrent clients, then ` +
        `claim+complete with ${SETTINGS.workers} concurrent workers until 404; medians shown. ` +
        `Server CPU from /proc/<pid>/stat. Load client: ${SETTINGS.client}, keep-alive. Claim latency: ` +
        `${SETTINGS.latencySamples} sequential claims per server from one client (after ` +
        `${SETTINGS.latencyWarmup} untimed; servers taken in turn, ${LATENCY_BATCH} claims at a time), each ` +
        'followed, untimed, by its completion and one new job so the backlog stays put; ' +
        "Baton's backlog seeded through SqliteStore before start, the yardstick's through POST /jobs.",
      '',
      table,
      '',
      ...verdicts.map((v) => `- ${v}`),
      '',
      'Rounds:',
      '```',
      rounds,
      '```',
      '',
      `Benchmark took ${seconds.toFixed(0)} s.`,
    ];
    const otherLoad = median([...baton.rounds, ...yard.rounds].map((r) => figures(r).otherBusy));
    if (otherLoad > OTHER_LOAD_WARNING) {
      out.push(
        '',
        `Warning: the rest of the machine was busy ${fmtPercent(otherLoad)} of a core (median over rounds) ` +
          'while the rounds ran: something else was running. Rates and latencies suffer from that; CPU ' +
          'per job, counted per process, much less.',
      );
    }
    if (SETTINGS.cpuProfDir) {
      out.push('', "Note: Baton's throughput server ran under --cpu-prof, which inflates its CPU figures.");
    }
    process.stdout.write(`${out.join('\n')}\n`);
    if (SETTINGS.cpuProfDir) {
      const profile = mainProfile(SETTINGS.cpuProfDir, startedAt);
      process.stdout.write(
        profile ? `\n${summariseProfile(profile)}\n` : `\nNo .cpuprofile in ${SETTINGS.cpuProfDir}\n`,
      );
    }
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  if (interrupted) return;
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
