// `npm run bench`: wires settings, the throughput and latency phases and the report; owns the run lifecycle.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLatency } from './latency.ts';
import { summariseProfile } from './profile-summary.ts';
import { renderReport } from './report.ts';
import type { SideResult } from './report-table.ts';
import { stopAll } from './servers.ts';
import { log, SETTINGS } from './settings.ts';
import { runThroughput } from './throughput.ts';

/** Set on SIGINT/SIGTERM: the requests then failing are no news. */
let interrupted = false;

/** On SIGINT/SIGTERM: stop the servers, remove the temp directory, exit 130. */
function onSignals(dir: string, cleanup: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping servers and removing ${dir}`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

function logPlan(dir: string): void {
  const s = SETTINGS;
  log(
    `${s.rounds} rounds of ${s.jobs} jobs after ${s.warmup} warm-up, ` +
      `${s.workers} workers, ${s.enqueueClients} enqueue clients, backlogs ` +
      `${s.backlogs.join('/')}, ${s.latencySamples} latency samples; temp ${dir}`,
  );
}

/** The main thread's profile of this run: the largest written since `since` (worker threads' are small). */
function mainProfile(dir: string, since: number): string | undefined {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ path: join(dir, name), stat: statSync(join(dir, name)) }))
    .filter((file) => file.stat.mtimeMs >= since)
    .sort((a, b) => b.stat.size - a.stat.size)[0]?.path;
}

function printProfile(dir: string, since: number): void {
  const profile = mainProfile(dir, since);
  process.stdout.write(profile ? `\n${summariseProfile(profile)}\n` : `\nNo .cpuprofile in ${dir}\n`);
}

/** Both phases, one after the other, gathered per server. */
async function runAll(dir: string): Promise<{ baton: SideResult; yard: SideResult }> {
  const rounds = await runThroughput(dir);
  const latency = await runLatency(dir);
  return {
    baton: { rounds: rounds.baton, latency: latency.baton },
    yard: { rounds: rounds.yard, latency: latency.yard },
  };
}

/**
 * Measures Baton against a yardstick (bench/yardstick-server.ts, an in-memory `node:http` queue
 * with the same endpoints and JSON, the most a JSON HTTP API can do on this machine) in one run,
 * and prints Baton's figures as ratios to it. Not a test: it measures and prints, and fails only
 * when the benchmark itself cannot run. Each server runs as its own child process on 127.0.0.1;
 * the load comes from this process over keep-alive connections (bench/http-client.ts). What is
 * measured: see runThroughput (bench/throughput.ts) and runLatency (bench/latency.ts).
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const cleanup = async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  onSignals(dir, cleanup);
  const started = performance.now();
  const startedAt = Date.now();
  try {
    logPlan(dir);
    const { baton, yard } = await runAll(dir);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${renderReport(baton, yard, seconds)}\n`);
    if (SETTINGS.cpuProfDir) printProfile(SETTINGS.cpuProfDir, startedAt);
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
