/**
 * The history checks of the SQLite-pressure runs: the torture run's rules (legal, chained,
 * versioned transitions; leases that never overlap; one holder per branch), plus the two these runs
 * add: every row agrees with its history, and dependents were claimed only after their dependencies
 * were done. Each violation is one `check: detail` sentence; an empty list means the guarantees held.
 * Time is history order (`seq`): every write holds SQLite's one writer lock, across processes.
 */
import type { DependencyRecord } from '../read-database.ts';
import { checkBranches, checkHistory as checkEvents, groupEvents, leaseSpans } from '../torture/checks.ts';
import type { EventRecord, JobRecord, Violation } from '../torture/records.ts';

/** A job with dependencies was first claimed only after every one of them was done. */
function checkDependencies(
  dependencies: readonly DependencyRecord[],
  histories: Map<string, EventRecord[]>,
): Violation[] {
  const doneAt = (jobId: string) =>
    histories.get(jobId)?.find((event) => event.to_status === 'done')?.seq ?? Number.POSITIVE_INFINITY;
  const out: Violation[] = [];
  for (const { job_id, depends_on } of dependencies) {
    const firstClaim = histories.get(job_id)?.find((event) => event.type === 'claimed');
    if (firstClaim && firstClaim.seq < doneAt(depends_on)) {
      out.push({
        check: 'history',
        job_id,
        detail: `claimed at seq ${firstClaim.seq} before its dependency ${depends_on} was done`,
      });
    }
  }
  return out;
}

/** The row's status is where its history ends; heartbeats raise the version without an event. */
function checkRows(jobs: readonly JobRecord[], histories: Map<string, EventRecord[]>): Violation[] {
  const out: Violation[] = [];
  for (const job of jobs) {
    const last = histories.get(job.id)?.at(-1);
    if (!last) out.push({ check: 'history', job_id: job.id, detail: 'has no history' });
    else if (last.to_status !== job.status || last.version > job.version)
      out.push({
        check: 'terminal',
        job_id: job.id,
        detail: `row is ${job.status} v${job.version} but its last event says ${last.to_status} v${last.version}`,
      });
  }
  return out;
}

export function checkHistory(
  jobs: readonly JobRecord[],
  events: readonly EventRecord[],
  dependencies: readonly DependencyRecord[],
): string[] {
  const histories = groupEvents(events);
  const violations: Violation[] = [
    ...checkRows(jobs, histories),
    ...checkBranches(jobs, events),
    ...checkDependencies(dependencies, histories),
  ];
  for (const [jobId, history] of histories) {
    violations.push(...checkEvents(jobId, history), ...leaseSpans(jobId, history).problems);
  }
  return violations.map((violation) => `${violation.check}: job ${violation.job_id}: ${violation.detail}`);
}
