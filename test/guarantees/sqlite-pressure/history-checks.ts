/**
 * Pure checks over the rows of a Baton database (jobs and their event history) after a run. Each
 * returns the violations it found as sentences; an empty list means the guarantee held. Time is
 * measured in history sequence numbers, not clock readings: every write holds SQLite's single
 * writer lock, so `seq` is the order in which changes committed, across every process.
 */
import {
  BRANCH_HOLDING_STATUSES,
  canTransition,
  type JobStatus,
} from '../../../src/orchestrator/models/job.ts';

export interface EventRecord {
  seq: number;
  job_id: string;
  type: string;
  from_status: JobStatus | null;
  to_status: JobStatus | null;
  version: number;
  attempt: number;
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  version: number;
  attempt: number;
  repo_url: string;
  branch_name: string;
}

export interface DependencyRecord {
  job_id: string;
  depends_on: string;
}

function byJob(events: readonly EventRecord[]): Map<string, EventRecord[]> {
  const grouped = new Map<string, EventRecord[]>();
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const list = grouped.get(event.job_id) ?? [];
    list.push(event);
    grouped.set(event.job_id, list);
  }
  return grouped;
}

/** Every change is legal, chained (from = the previous to), versioned upwards, and ends at the stored row. */
export function checkTransitions(jobs: readonly JobRecord[], events: readonly EventRecord[]): string[] {
  const violations: string[] = [];
  const histories = byJob(events);
  for (const job of jobs) {
    const history = histories.get(job.id) ?? [];
    const first = history[0];
    if (first?.type !== 'created' || first.to_status !== 'pending') {
      violations.push(`job ${job.id}: history does not start with its creation`);
      continue;
    }
    for (let i = 1; i < history.length; i += 1) {
      const before = history[i - 1] as EventRecord;
      const event = history[i] as EventRecord;
      if (event.from_status !== before.to_status) {
        violations.push(
          `job ${job.id} seq ${event.seq}: from ${event.from_status}, but it was ${before.to_status}`,
        );
      }
      const { from_status: from, to_status: to } = event;
      // Same-status events (a cancel request on a running job) record a write, not a move.
      if (from !== null && to !== null && from !== to && !canTransition(from, to)) {
        violations.push(`job ${job.id} seq ${event.seq}: illegal ${from} -> ${to}`);
      }
      if (event.version <= before.version) {
        violations.push(`job ${job.id} seq ${event.seq}: version ${event.version} after ${before.version}`);
      }
    }
    const last = history.at(-1) as EventRecord;
    if (last.to_status !== job.status || last.version > job.version) {
      violations.push(
        `job ${job.id}: stored ${job.status} v${job.version}, history ends ${last.to_status} v${last.version}`,
      );
    }
  }
  return violations;
}

/** One claim per attempt, attempts increase, and at most one completion is recorded per attempt. */
export function checkAttempts(events: readonly EventRecord[]): string[] {
  const violations: string[] = [];
  for (const [jobId, history] of byJob(events)) {
    let lastAttempt = 0;
    const completed = new Set<number>();
    for (const event of history) {
      if (event.type === 'claimed') {
        if (event.attempt <= lastAttempt) {
          violations.push(
            `job ${jobId} seq ${event.seq}: claimed as attempt ${event.attempt} after ${lastAttempt}`,
          );
        }
        lastAttempt = event.attempt;
      }
      if (event.type === 'completed') {
        if (completed.has(event.attempt)) {
          violations.push(`job ${jobId}: attempt ${event.attempt} was completed twice`);
        }
        completed.add(event.attempt);
      }
    }
  }
  return violations;
}

interface Interval {
  job: string;
  from: number;
  to: number;
}

/** When each job held its repo+branch: from entering running/awaiting_input to leaving both. */
function holdIntervals(history: readonly EventRecord[], end: number): Interval[] {
  const intervals: Interval[] = [];
  let start: number | undefined;
  for (const event of history) {
    const holds = event.to_status !== null && BRANCH_HOLDING_STATUSES.includes(event.to_status);
    if (holds && start === undefined) start = event.seq;
    if (!holds && start !== undefined) {
      intervals.push({ job: event.job_id, from: start, to: event.seq });
      start = undefined;
    }
  }
  if (start !== undefined) intervals.push({ job: history[0]?.job_id ?? '', from: start, to: end });
  return intervals;
}

/**
 * Leases never overlap: not two of one job (a job is running under one attempt at a time, which the
 * chained history above already implies), and not two jobs on one repo+branch.
 */
export function checkBranchExclusive(jobs: readonly JobRecord[], events: readonly EventRecord[]): string[] {
  const violations: string[] = [];
  const end = Math.max(0, ...events.map((event) => event.seq)) + 1;
  const histories = byJob(events);
  const byBranch = new Map<string, Interval[]>();
  for (const job of jobs) {
    const key = `${job.repo_url}\u0000${job.branch_name}`;
    const list = byBranch.get(key) ?? [];
    list.push(...holdIntervals(histories.get(job.id) ?? [], end));
    byBranch.set(key, list);
  }
  for (const [key, intervals] of byBranch) {
    intervals.sort((a, b) => a.from - b.from);
    for (let i = 1; i < intervals.length; i += 1) {
      const before = intervals[i - 1] as Interval;
      const next = intervals[i] as Interval;
      if (next.from < before.to) {
        violations.push(
          `branch ${key.replace('\u0000', ' ')}: job ${next.job} took it at seq ${next.from} while job ${before.job} held it until seq ${before.to}`,
        );
      }
    }
  }
  return violations;
}

/** A job with dependencies was first claimed only after every one of them was done. */
export function checkDependencies(
  dependencies: readonly DependencyRecord[],
  events: readonly EventRecord[],
): string[] {
  const violations: string[] = [];
  const histories = byJob(events);
  const doneAt = (jobId: string) =>
    histories.get(jobId)?.find((event) => event.to_status === 'done')?.seq ?? Number.POSITIVE_INFINITY;
  for (const { job_id, depends_on } of dependencies) {
    const firstClaim = histories.get(job_id)?.find((event) => event.type === 'claimed');
    if (firstClaim && firstClaim.seq < doneAt(depends_on)) {
      violations.push(
        `job ${job_id} was claimed at seq ${firstClaim.seq} before its dependency ${depends_on} was done`,
      );
    }
  }
  return violations;
}

export function checkHistory(
  jobs: readonly JobRecord[],
  events: readonly EventRecord[],
  dependencies: readonly DependencyRecord[],
): string[] {
  return [
    ...checkTransitions(jobs, events),
    ...checkAttempts(events),
    ...checkBranchExclusive(jobs, events),
    ...checkDependencies(dependencies, events),
  ];
}
