/**
 * The torture run's verdict: pure checks over what the run left behind, each returning the
 * violations it finds. This file holds the history's own rules (jobs, transitions, leases, branches,
 * done once); cross-checks.ts holds the workers' journals and /metrics against that history. No I/O,
 * so each check can be shown to fail on planted data.
 */
import { canTransition, type JobStatus, TRANSITIONS } from '../../../src/orchestrator/models/job.ts';
import { checkJournal, checkMetrics } from './cross-checks.ts';
import type { CheckInput, EventRecord, JobRecord, LeaseSpan, Violation } from './records.ts';

const TERMINAL: readonly string[] = ['done', 'failed', 'cancelled'];
const HOLDING: readonly string[] = ['running', 'awaiting_input'];

/** Which statuses each event type may start from (the table says where it may go). */
const EVENT_FROM: Readonly<Record<string, readonly string[]>> = {
  claimed: ['pending'],
  completed: ['running', 'awaiting_input'],
  expired: ['running'],
  released: ['running'],
  cancelled: ['pending', 'awaiting_input'],
  continued: ['done', 'failed', 'awaiting_input'],
  retried: ['failed', 'cancelled'],
  cancel_requested: ['running'],
};

export function runChecks(input: CheckInput): Violation[] {
  const byJob = groupEvents(input.events);
  const violations: Violation[] = [
    ...checkJobs(input, byJob),
    ...checkBranches(input.jobs, input.events),
    ...checkDoneOnce(input.events),
    ...checkMetrics(input),
  ];
  const leases = new Map<string, LeaseSpan[]>();
  for (const [jobId, events] of byJob) {
    violations.push(...checkHistory(jobId, events));
    const { spans, problems } = leaseSpans(jobId, events);
    leases.set(jobId, spans);
    violations.push(...problems);
  }
  violations.push(...checkJournal(input, byJob, leases));
  if (input.integrity.length !== 1 || input.integrity[0] !== 'ok') {
    violations.push({ check: 'integrity', detail: `PRAGMA integrity_check: ${input.integrity.join('; ')}` });
  }
  return violations;
}

export function groupEvents(events: readonly EventRecord[]): Map<string, EventRecord[]> {
  const byJob = new Map<string, EventRecord[]>();
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const list = byJob.get(event.job_id) ?? [];
    list.push(event);
    byJob.set(event.job_id, list);
  }
  return byJob;
}

/** Every submitted job exists once, is terminal, and its row agrees with the last event of its history. */
function checkJobs(input: CheckInput, byJob: Map<string, EventRecord[]>): Violation[] {
  const out: Violation[] = [];
  const submitted = new Set(input.submitted);
  const stored = new Set(input.jobs.map((job) => job.id));
  for (const id of submitted) {
    if (!stored.has(id)) out.push({ check: 'lost', job_id: id, detail: 'submitted but not in the database' });
  }
  for (const job of input.jobs) {
    if (!submitted.has(job.id))
      out.push({ check: 'lost', job_id: job.id, detail: 'in the database but never submitted' });
    if (!TERMINAL.includes(job.status))
      out.push({ check: 'terminal', job_id: job.id, detail: `ended ${job.status}` });
    const last = byJob.get(job.id)?.at(-1);
    if (!last) {
      out.push({ check: 'history', job_id: job.id, detail: 'has no history' });
    } else if (last.to_status !== job.status || last.version !== job.version) {
      const row = `${job.status} v${job.version}`;
      const event = `${last.to_status} v${last.version}`;
      out.push({
        check: 'terminal',
        job_id: job.id,
        detail: `row is ${row} but its last event says ${event}`,
      });
    }
  }
  return out;
}

/** Starts with `created`; each event starts where the last ended; every move is in the table; versions rise. */
export function checkHistory(jobId: string, events: readonly EventRecord[]): Violation[] {
  const out: Violation[] = [];
  const bad = (event: EventRecord, detail: string) =>
    out.push({ check: 'history', job_id: jobId, detail: `event #${event.seq} (${event.type}): ${detail}` });
  events.forEach((event, i) => {
    const previous = events[i - 1];
    if (!previous) {
      if (event.type !== 'created' || event.from_status !== null || event.to_status !== 'pending')
        bad(event, 'history does not open with created -> pending');
      return;
    }
    if (event.type === 'created') bad(event, 'a second created event');
    if (event.from_status !== previous.to_status)
      bad(event, `from ${event.from_status} but the previous event ended at ${previous.to_status}`);
    if (event.version <= previous.version)
      bad(event, `version ${event.version} does not rise above ${previous.version}`);
    const from = event.from_status as JobStatus;
    const to = event.to_status as JobStatus;
    const allowedFrom = EVENT_FROM[event.type];
    if (!allowedFrom?.includes(from)) bad(event, `type ${event.type} cannot start from ${from}`);
    if (event.type === 'cancel_requested') {
      if (to !== 'running') bad(event, 'cancel_requested moved the job');
    } else if (!(from in TRANSITIONS) || !canTransition(from, to)) {
      bad(event, `illegal transition ${from} -> ${to}`);
    }
  });
  return out;
}

/**
 * Rebuilds the job's leases from its history: a claim opens one, the event that takes the job out
 * of `running` closes it. Leases must not overlap (no claim while one is open, in order and in
 * time), attempts rise by one per claim, and every event inside a lease carries its attempt.
 */
export function leaseSpans(
  jobId: string,
  events: readonly EventRecord[],
): { spans: LeaseSpan[]; problems: Violation[] } {
  const spans: LeaseSpan[] = [];
  const problems: Violation[] = [];
  const bad = (event: EventRecord, detail: string) =>
    problems.push({
      check: 'lease',
      job_id: jobId,
      detail: `event #${event.seq} (${event.type}): ${detail}`,
    });
  let open: LeaseSpan | null = null;
  for (const event of events) {
    if (event.type === 'claimed') {
      const previous = spans.at(-1);
      if (open) bad(event, `claimed while attempt ${open.attempt} still held the lease`);
      if (event.attempt !== (previous?.attempt ?? 0) + 1)
        bad(event, `attempt ${event.attempt} does not follow ${previous?.attempt ?? 0}`);
      if (previous?.end && event.at < previous.end.at)
        bad(event, `claimed at ${event.at}, before attempt ${previous.attempt} ended at ${previous.end.at}`);
      open = { attempt: event.attempt, start: event, end: null };
      spans.push(open);
      continue;
    }
    if (open && event.attempt !== open.attempt)
      bad(event, `carries attempt ${event.attempt} inside the lease of attempt ${open.attempt}`);
    if (event.from_status === 'running' && event.to_status !== 'running') {
      if (!open) bad(event, 'left running without a lease');
      else {
        if (event.at < open.start.at) bad(event, `ended the lease before it began (${open.start.at})`);
        open.end = event;
        open = null;
      }
    }
  }
  return { spans, problems };
}

/** At most one job holds a repo+branch (running or awaiting_input) at any point of the global history. */
export function checkBranches(jobs: readonly JobRecord[], events: readonly EventRecord[]): Violation[] {
  const out: Violation[] = [];
  const branchOf = new Map(jobs.map((job) => [job.id, `${job.repo_url}#${job.branch_name}`]));
  const holders = new Map<string, string>();
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const branch = branchOf.get(event.job_id);
    if (!branch) continue;
    const was = HOLDING.includes(event.from_status ?? '');
    const now = HOLDING.includes(event.to_status ?? '');
    const holder = holders.get(branch);
    if (!was && now) {
      if (holder && holder !== event.job_id) {
        const detail = `event #${event.seq}: took ${branch} while job ${holder} held it`;
        out.push({ check: 'branch', job_id: event.job_id, detail });
      }
      holders.set(branch, event.job_id);
    } else if (was && !now && holder === event.job_id) {
      holders.delete(branch);
    }
  }
  return out;
}

/** `done` is accepted at most once per attempt, and (no one continues a done job in this run) once per job. */
export function checkDoneOnce(events: readonly EventRecord[]): Violation[] {
  const out: Violation[] = [];
  const perAttempt = new Map<string, number>();
  const perJob = new Map<string, number>();
  for (const event of events) {
    if (event.to_status !== 'done') continue;
    const key = `${event.job_id}#${event.attempt}`;
    perAttempt.set(key, (perAttempt.get(key) ?? 0) + 1);
    perJob.set(event.job_id, (perJob.get(event.job_id) ?? 0) + 1);
  }
  for (const [key, n] of perAttempt) {
    if (n > 1)
      out.push({ check: 'done_once', job_id: key.split('#')[0], detail: `attempt ${key} done ${n} times` });
  }
  for (const [id, n] of perJob) {
    if (n > 1) out.push({ check: 'done_once', job_id: id, detail: `done ${n} times` });
  }
  return out;
}
