// The printed report: heading, method, results table, verdicts, per-round lines and warnings.
import { cpus } from 'node:os';
import { fmtInt, fmtPercent, fmtUs } from './format.ts';
import { resultsTable, type SideResult } from './report-table.ts';
import { CLK_TCK } from './servers.ts';
import { LATENCY_BATCH, OTHER_LOAD_WARNING, SETTINGS } from './settings.ts';
import { median } from './stats.ts';
import { figures, type Round } from './throughput.ts';

function heading(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `## Baton vs yardstick (node ${process.version}, ${cpus().length} × ${cpu}, CLK_TCK ${CLK_TCK})`;
}

/** How the figures were taken, in one paragraph. */
function method(): string {
  const s = SETTINGS;
  return (
    `Throughput: after ${s.warmup} warm-up jobs each, ${s.rounds} alternating rounds per ` +
    `server of ${s.jobs} jobs: enqueue with ${s.enqueueClients} concurrent clients, then ` +
    `claim+complete with ${s.workers} concurrent workers until 404; medians shown. ` +
    `Server CPU from /proc/<pid>/stat. Load client: ${s.client}, keep-alive. Claim latency: ` +
    `${s.latencySamples} sequential claims per server from one client (after ` +
    `${s.latencyWarmup} untimed; servers taken in turn, ${LATENCY_BATCH} claims at a time), each ` +
    'followed, untimed, by its completion and one new job so the backlog stays put; ' +
    "Baton's backlog seeded through SqliteStore before start, the yardstick's through POST /jobs."
  );
}

/** One line per measured round of one server. */
function perRound(name: string, rounds: Round[]): string[] {
  return rounds.map((r, i) => {
    const f = figures(r);
    return (
      `${name.padEnd(9)} #${i + 1}: ${fmtInt(f.enqueueRate).padStart(6)} jobs/s ` +
      `${fmtInt(f.cycleRate).padStart(6)} cycles/s ${fmtUs(f.totalCpu).padStart(8)}/job ` +
      `(create ${fmtUs(f.createCpu)}, claim+complete ${fmtUs(f.cycleCpu)}); ` +
      `rest of machine busy ${fmtPercent(f.otherBusy)} of a core`
    );
  });
}

/** Warnings about what may have skewed the figures: other load on the machine, the CPU profiler. */
function warnings(baton: SideResult, yard: SideResult): string[] {
  const out: string[] = [];
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
  return out;
}

/** The whole report as printed on stdout (markdown), for a run that took `seconds`. */
export function renderReport(baton: SideResult, yard: SideResult, seconds: number): string {
  const { table, verdicts } = resultsTable(baton, yard);
  const rounds = [...perRound('Baton', baton.rounds), ...perRound('yardstick', yard.rounds)].join('\n');
  const out = [
    '',
    heading(),
    '',
    method(),
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
    ...warnings(baton, yard),
  ];
  return out.join('\n');
}
