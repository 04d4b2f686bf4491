/**
 * The torture run: a real `baton server` process on a temp SQLite file, several worker processes
 * (worker.ts), a stream of submissions, and faults from a seed (faults.ts), until every job is
 * terminal. Then everything stops and the database, the history and the workers' journals are
 * checked (checks.ts). Owns every process and file it starts; `runTorture` leaves none behind.
 */

import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseMetrics } from '../../helpers.ts';
import { readDatabase } from '../read-database.ts';
import { runChecks } from './checks.ts';
import { Cluster } from './cluster.ts';
import { deriveSeed, FAULT_KINDS, type FaultCounts, FaultInjector, Rng } from './faults.ts';
import type { CheckInput, Violation } from './records.ts';

export interface TortureOptions {
  jobs: number;
  seed: number;
  /** Submissions are spread over this long; the load (and the faults) last about as long. */
  submitMs: number;
  leaseMs: number;
  workers: number;
  lanes: number;
  /** How long after the last submission the jobs may take to end before the run gives up. */
  drainMs: number;
  /** Keep the temp folder (database, journals, worker logs) even when the run passes. */
  keep?: boolean;
  log?: (line: string) => void;
  /** Also log the job counts every two seconds. */
  verbose?: boolean;
}

export interface TortureResult {
  summary: string;
  violations: Violation[];
  faults: FaultCounts;
  attempts: number;
  staleRefusals: number;
  finished: boolean;
  elapsedMs: number;
  /** What the checks ran on, so tests can plant violations in a copy and see them caught. */
  input: CheckInput;
}

const positive = (value: string | undefined, fallback: number): number => {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : fallback;
};

export function optionsFromEnv(env: NodeJS.ProcessEnv): TortureOptions {
  return {
    jobs: positive(env.BATON_TORTURE_JOBS, 2000),
    seed: positive(env.BATON_TORTURE_SEED, Math.floor(Math.random() * 2 ** 31)),
    submitMs: positive(env.BATON_TORTURE_MS, 10_000),
    leaseMs: 1500,
    workers: 4,
    lanes: 2,
    drainMs: 90_000,
  };
}

/** The jobs of a run, drawn from the seed before anything starts. Some share a branch, so they queue. */
function jobBodies(options: TortureOptions) {
  const rng = new Rng(deriveSeed(options.seed, 1_000_000));
  return Array.from({ length: options.jobs }, (_, i) => ({
    repo_url: '/torture/repo',
    spec_json: { prompt: `torture job ${i}` },
    max_attempts: rng.int(1, 3),
    priority: rng.int(-1, 1),
    ...(rng.chance(0.1) ? { branch_name: `torture/shared-${rng.int(0, 4)}` } : {}),
  }));
}

/** Submits every job, paced over `submitMs`, with an idempotency key so a retry after a restart is safe. */
async function submitAll(cluster: Cluster, options: TortureOptions, submitted: string[]): Promise<void> {
  const bodies = jobBodies(options);
  const start = Date.now();
  let next = 0;
  const submitter = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const due = start + (options.submitMs * i) / bodies.length;
      if (due > Date.now()) await sleep(due - Date.now());
      for (;;) {
        const key = { 'idempotency-key': `torture-${options.seed}-${i}` };
        const answer = await cluster.request('POST', '/jobs', bodies[i], key);
        if (answer.status === 201 || answer.status === 200) {
          submitted.push(answer.body.id);
          break;
        }
        if (answer.status < 500)
          throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, submitter));
}

/** Counts by status from /metrics (stored counts, cheap to read); null if the server could not say. */
async function statusCounts(cluster: Cluster): Promise<Record<string, number> | null> {
  const answer = await cluster.request('GET', '/metrics');
  if (answer.status !== 200) return null;
  const metrics = parseMetrics(answer.body as string);
  const counts: Record<string, number> = {};
  for (const status of ['pending', 'running', 'awaiting_input', 'done', 'failed', 'cancelled'])
    counts[status] = metrics.get(`baton_jobs{status="${status}"}`) ?? 0;
  return counts;
}

/** A person answering the jobs that asked a question: mostly go on, sometimes give up. */
async function answerQuestions(cluster: Cluster, rng: Rng): Promise<void> {
  const list = await cluster.request('GET', '/jobs?status=awaiting_input&limit=500');
  for (const job of (list.body?.jobs ?? []) as Array<{ id: string }>) {
    if (rng.chance(0.7)) await cluster.request('POST', `/jobs/${job.id}/continue`, { prompt: 'go on' });
    else await cluster.request('POST', `/jobs/${job.id}/cancel`);
  }
}

function injectorFor(cluster: Cluster, options: TortureOptions): FaultInjector {
  return new FaultInjector(
    deriveSeed(options.seed, 2_000_000),
    {
      async killWorker(rng) {
        const worker = cluster.target(rng);
        if (!worker) return;
        worker.killed = true;
        worker.child.kill('SIGKILL');
        cluster.spawnWorker();
      },
      async pauseWorker(rng) {
        const worker = cluster.target(rng);
        // Paused past its lease (and the reaper's next pass), so what it sends next is stale.
        if (worker) cluster.pause(worker, options.leaseMs + 1000 + rng.int(0, 1000));
      },
      async restartOrchestrator(signal) {
        await cluster.stopServer(signal);
        await cluster.startServer();
      },
      async cancelJob(rng) {
        // A running job (cancel is only requested; its worker must notice) or a waiting one (cancelled at once).
        const status = rng.chance(0.5) ? 'running' : 'pending';
        const list = await cluster.request('GET', `/jobs?status=${status}&limit=100`);
        const ids = ((list.body?.jobs ?? []) as Array<{ id: string }>).map((job) => job.id);
        if (ids.length === 0) return false;
        const answer = await cluster.request('POST', `/jobs/${rng.pick(ids)}/cancel`);
        return answer.status === 200;
      },
    },
    { scale: Math.max(1, Math.round(options.jobs / 2000)) },
  );
}

export function formatSummary(r: Omit<TortureResult, 'summary' | 'input'>, options: TortureOptions): string {
  const faults = FAULT_KINDS.map((kind) => `${kind}:${r.faults[kind]}`).join(',');
  const unfinished = r.finished ? '' : ' UNFINISHED';
  return (
    `torture: seed=${options.seed} jobs=${options.jobs} attempts=${r.attempts} stale_refused=${r.staleRefusals} ` +
    `faults{${faults}} violations: ${r.violations.length}${unfinished} (${(r.elapsedMs / 1000).toFixed(1)}s)`
  );
}

/**
 * Keeps the load going until every submitted job is terminal and every planned fault has fired:
 * each tick reads the journals, fires due faults and answers questions. `finished` is false when
 * time ran out first.
 */
async function driveLoad(
  cluster: Cluster,
  options: TortureOptions,
  submitted: string[],
  started: number,
): Promise<{ finished: boolean; faults: FaultCounts }> {
  const log = options.log ?? (() => {});
  const injector = injectorFor(cluster, options);
  const answers = new Rng(deriveSeed(options.seed, 3_000_000));
  let submitting = true;
  let submitError: unknown;
  const submission = submitAll(cluster, options, submitted).then(
    () => (submitting = false),
    (error: unknown) => (submitError = error),
  );
  const deadline = Date.now() + options.submitMs + options.drainMs;
  let lastLog = 0;
  try {
    while (Date.now() < deadline) {
      await sleep(200);
      if (submitError) throw submitError;
      cluster.readJournals();
      const counts = await statusCounts(cluster);
      if (!counts) continue;
      const terminal = counts.done! + counts.failed! + counts.cancelled!;
      if (options.verbose && Date.now() - lastLog >= 2000) {
        lastLog = Date.now();
        const at = ((Date.now() - started) / 1000).toFixed(1);
        log(`torture: ${at}s submitted=${submitted.length} ${JSON.stringify(counts)}`);
      }
      await injector.tick(terminal / options.jobs);
      await answerQuestions(cluster, answers);
      if (!submitting && terminal === submitted.length && injector.remaining === 0) {
        return { finished: true, faults: { ...injector.counts } };
      }
    }
    return { finished: false, faults: { ...injector.counts } };
  } finally {
    await submission;
  }
}

/** Stops the workers, scrapes /metrics from the orchestrator they leave idle, stops it, reads what is left. */
async function stopAndCollect(cluster: Cluster, submitted: string[]): Promise<CheckInput> {
  await cluster.stopWorkers();
  const metrics = (await cluster.request('GET', '/metrics')).body as string;
  await cluster.stopServer('SIGTERM');
  const { jobs, events, integrity } = readDatabase(cluster.dbPath);
  return {
    submitted,
    jobs,
    events,
    journal: cluster.allJournalEntries(),
    metrics,
    lastServer: { url: cluster.url, readyAt: cluster.readyAt },
    killedWorkers: cluster.workers.filter((w) => w.killed).map((w) => w.id),
    integrity,
  };
}

export async function runTorture(options: TortureOptions): Promise<TortureResult> {
  const started = Date.now();
  const cluster = new Cluster(options);
  const log = options.log ?? (() => {});
  let failed = true;
  try {
    await cluster.startServer();
    for (let i = 0; i < options.workers; i++) cluster.spawnWorker();
    const submitted: string[] = [];
    const { finished, faults } = await driveLoad(cluster, options, submitted, started);
    log(`torture: load ${finished ? 'finished' : 'timed out'}; stopping ${cluster.live().length} workers`);
    const input = await stopAndCollect(cluster, submitted);
    const { journal, events } = input;
    const violations = runChecks(input);
    faults.duplicate_completion = journal.filter((e) => e.purpose === 'duplicate').length;
    faults.late_completion = journal.filter((e) => e.purpose === 'late').length;
    const core = {
      violations,
      faults,
      attempts: events.filter((e) => e.type === 'claimed').length,
      staleRefusals: journal.filter((e) => e.code === 'stale_lease').length,
      finished,
      elapsedMs: Date.now() - started,
    };
    failed = violations.length > 0 || !finished;
    return { ...core, summary: formatSummary(core, options), input };
  } finally {
    cluster.killEverything();
    // A failed run keeps its database, journals and worker logs for whoever has to read them.
    if (failed || options.keep) log(`torture: keeping ${cluster.dir} for inspection`);
    else rmSync(cluster.dir, { recursive: true, force: true });
  }
}
