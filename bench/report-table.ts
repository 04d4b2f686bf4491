// The markdown results table, Baton against the yardstick, and the PASS/MISS verdicts on the targets.
import { fmtInt, fmtMs, fmtPercent, fmtRatio, fmtSize, fmtUs } from './format.ts';
import type { Latency } from './latency.ts';
import { SETTINGS, TARGETS } from './settings.ts';
import { median } from './stats.ts';
import { type Figure, figures, type Round } from './throughput.ts';

/** What one server yielded: its throughput rounds and its latency per backlog size. */
export interface SideResult {
  rounds: Round[];
  latency: Latency[];
}

interface Row {
  metric: string;
  baton: string;
  yardstick: string;
  ratio: string;
  target: string;
}

/** The rows and verdicts built so far, in the order they are printed. */
interface Table {
  baton: SideResult;
  yard: SideResult;
  rows: Row[];
  verdicts: string[];
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

const medianOf = (side: SideResult, figure: Figure) => median(side.rounds.map((r) => figures(r)[figure]));

const pair = (t: Table, figure: Figure) => [medianOf(t.baton, figure), medianOf(t.yard, figure)] as const;

/** A row comparing two figures, with Baton's as a ratio to the yardstick's. */
function ratioRow(metric: string, b: number, y: number, fmt: (value: number) => string, target = '—'): Row {
  return { metric, baton: fmt(b), yardstick: fmt(y), ratio: fmtRatio(b / y), target };
}

function throughputRows(t: Table): void {
  const { workers, enqueueClients } = SETTINGS;
  const [bEnqueue, yEnqueue] = pair(t, 'enqueueRate');
  t.rows.push(ratioRow(`Enqueue rate, ${enqueueClients} clients (jobs/s)`, bEnqueue, yEnqueue, fmtInt));
  const [bCycles, yCycles] = pair(t, 'cycleRate');
  const cyclesOk = bCycles / yCycles >= TARGETS.cycles;
  t.verdicts.push(`cycles/s at least ${TARGETS.cycles}x of the yardstick's: ${verdict(cyclesOk)}`);
  const target = `≥ ${TARGETS.cycles}x: ${verdict(cyclesOk)}`;
  t.rows.push(ratioRow(`Claim+complete, ${workers} workers (cycles/s)`, bCycles, yCycles, fmtInt, target));
}

function cpuRows(t: Table): void {
  const [bCpu, yCpu] = pair(t, 'totalCpu');
  const cpuOk = bCpu / yCpu <= TARGETS.cpuPerJob;
  t.verdicts.push(`server CPU per job within ${TARGETS.cpuPerJob}x of the yardstick's: ${verdict(cpuOk)}`);
  const target = `≤ ${TARGETS.cpuPerJob}x: ${verdict(cpuOk)}`;
  t.rows.push(ratioRow('Server CPU per job, create + claim + complete', bCpu, yCpu, fmtUs, target));
  for (const [label, figure] of [
    ['create', 'createCpu'],
    ['claim + complete', 'cycleCpu'],
  ] as const) {
    const [b, y] = pair(t, figure);
    t.rows.push(ratioRow(`&nbsp;&nbsp;of which ${label}`, b, y, fmtUs));
  }
}

function busyRows(t: Table): void {
  for (const [label, figure] of [
    ['Server', 'serverBusy'],
    ['Load client', 'clientBusy'],
  ] as const) {
    const [b, y] = pair(t, figure);
    t.rows.push({
      metric: `${label} CPU during claim+complete (% of a core)`,
      baton: fmtPercent(b),
      yardstick: fmtPercent(y),
      ratio: '—',
      target: '—',
    });
  }
}

function latencyRows(t: Table): void {
  for (const [index, b] of t.baton.latency.entries()) {
    const y = t.yard.latency[index];
    if (!y) continue;
    for (const [label, pick] of [
      ['p50', (l: Latency) => l.p50],
      ['p99', (l: Latency) => l.p99],
    ] as const) {
      t.rows.push(ratioRow(`Claim latency ${label}, ${fmtSize(b.backlog)} pending`, pick(b), pick(y), fmtMs));
    }
  }
}

/** How Baton's claim p50 grows from the smallest backlog to the largest, against the yardstick's. */
function growthRow(t: Table): void {
  const bFirst = t.baton.latency[0];
  const bLast = t.baton.latency.at(-1);
  const yFirst = t.yard.latency[0];
  const yLast = t.yard.latency.at(-1);
  if (!bFirst || !bLast || !yFirst || !yLast || bFirst === bLast) return;
  const bGrowth = bLast.p50 / bFirst.p50;
  const yGrowth = yLast.p50 / yFirst.p50;
  const growthOk = bGrowth <= TARGETS.p50Growth;
  const big = fmtSize(bLast.backlog);
  const small = fmtSize(bFirst.backlog);
  t.verdicts.push(
    `Baton claim p50 at ${big} pending within ${TARGETS.p50Growth}x of that at ${small}: ${verdict(growthOk)}`,
  );
  const target = `Baton ≤ ${TARGETS.p50Growth}x: ${verdict(growthOk)}`;
  t.rows.push(ratioRow(`Claim p50, ${big} pending / ${small} pending`, bGrowth, yGrowth, fmtRatio, target));
}

function renderTable(rows: Row[]): string {
  const header: Row = {
    metric: 'metric',
    baton: 'Baton',
    yardstick: 'yardstick',
    ratio: 'Baton / yardstick',
    target: 'target',
  };
  const line = (row: Row) =>
    `| ${row.metric} | ${row.baton} | ${row.yardstick} | ${row.ratio} | ${row.target} |`;
  return [line(header), '| --- | ---: | ---: | ---: | --- |', ...rows.map(line)].join('\n');
}

/** The results table (markdown) and the verdicts, one line each, on the targets. */
export function resultsTable(baton: SideResult, yard: SideResult): { table: string; verdicts: string[] } {
  const t: Table = { baton, yard, rows: [], verdicts: [] };
  throughputRows(t);
  cpuRows(t);
  busyRows(t);
  latencyRows(t);
  growthRow(t);
  return { table: renderTable(t.rows), verdicts: t.verdicts };
}
