/**
 * The write discipline of the SQLite store, in one place: every change runs as one IMMEDIATE
 * transaction that loads the job, lets a pure decision from models/lifecycle.ts say what happens,
 * writes it with a compare-and-set on status and version, and appends the event row. Listeners hear
 * about events only after the transaction has committed.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.ts';
import { ConflictError, jobNotFound, PreconditionFailedError } from '../../models/errors.ts';
import { BRANCH_HOLDING_STATUSES, type Job } from '../../models/job.ts';
import { CASCADING_STATUSES, type Decision, type EventDraft, planCancel } from '../../models/lifecycle.ts';
import type { ChangeListener, Guard, JobEvent } from '../store.ts';
import { GroupCommit } from './group-commit.ts';
import { type JobRow, jobToParams, rowToJob } from './rows.ts';
import type { Statements } from './statements.ts';

export interface Written<T> {
  result: T;
  events: JobEvent[];
}

export class JobWriter {
  readonly #sql: Statements;
  readonly #clock: Clock;
  readonly listeners = new Set<ChangeListener>();
  readonly #commits: GroupCommit;

  constructor(db: Database.Database, sql: Statements, clock: Clock) {
    this.#sql = sql;
    this.#clock = clock;
    this.#commits = new GroupCommit(db);
  }

  load(id: string): Job {
    const row = this.#sql.jobById.get(id) as JobRow | undefined;
    if (!row) throw jobNotFound(id);
    return rowToJob(row);
  }

  checkGuard(job: Job, guard: Guard): void {
    if (guard.expectedVersion !== undefined && guard.expectedVersion !== job.version) {
      throw new PreconditionFailedError(job.id, guard.expectedVersion, job.version);
    }
  }

  /** Load, guard, decide, compare-and-set, record: the shape of every single-job change. */
  mutate(id: string, guard: Guard, decide: (job: Job, now: number) => Decision): Promise<Job> {
    return this.transaction(() => {
      const job = this.load(id);
      this.checkGuard(job, guard);
      return this.apply(job, decide(job, this.#clock.now()));
    });
  }

  /**
   * Runs `fn` atomically (in a group commit with the other writes of this turn), then tells
   * listeners what it committed.
   */
  async transaction<T>(fn: () => Written<T>): Promise<T> {
    const { result, events } = await this.#commits.run(fn);
    this.#notify(events);
    return result;
  }

  /** Writes a decision; a job entering failed or cancelled takes its pending dependents with it. */
  apply(job: Job, decision: Decision): Written<Job> {
    if (decision.kind === 'noop') return { result: job, events: [] };
    const { next } = decision;
    const info = this.#sql.writeJob.run({
      ...jobToParams(next),
      expected_status: job.status,
      expected_version: job.version,
    });
    if (info.changes !== 1) {
      // Unreachable inside one IMMEDIATE transaction; kept so a broken invariant fails loudly.
      throw new ConflictError(`Job ${job.id} changed while it was being written`, { job_id: job.id });
    }
    if (next.status !== job.status) this.#refreshClaimBookkeeping(job, next);
    const events: JobEvent[] = [];
    if (decision.event) events.push(this.appendEvent(next, decision.event));
    if (next.status !== job.status && CASCADING_STATUSES.includes(next.status)) {
      events.push(...this.#cancelDependents(next));
    }
    return { result: next, events };
  }

  /**
   * Keeps `waiting_on` and `branch_held` (what lets the claim index leave blocked jobs out) in step
   * with a status change, in the same transaction. Each is recounted from the source tables, never
   * incremented, so it cannot drift.
   */
  #refreshClaimBookkeeping(before: Job, after: Job): void {
    if (before.status === 'done' || after.status === 'done') this.#sql.refreshDependents.run(after.id);
    // Only when the job starts or stops holding its branch (running -> awaiting_input keeps it).
    if (BRANCH_HOLDING_STATUSES.includes(before.status) !== BRANCH_HOLDING_STATUSES.includes(after.status)) {
      this.#sql.refreshBranch.run(after.repo_url, after.branch_name);
    }
    if (after.status === 'pending') this.#sql.refreshJob.run(after.id);
  }

  appendEvent(job: Job, draft: EventDraft): JobEvent {
    const event = {
      job_id: job.id,
      version: job.version,
      attempt: job.attempt,
      at: job.updated_at,
      ...draft,
    };
    const info = this.#sql.insertEvent.run(event);
    this.#sql.countEvent.run(draft.type, draft.to_status ?? '');
    return { seq: Number(info.lastInsertRowid), ...event };
  }

  #cancelDependents(job: Job): JobEvent[] {
    const events: JobEvent[] = [];
    for (const row of this.#sql.pendingDependents.all(job.id) as JobRow[]) {
      const dependent = rowToJob(row);
      const reason = `dependency ${job.id} ${job.status}`;
      const decision = planCancel(dependent, { now: this.#clock.now(), actor: 'system', reason });
      events.push(...this.apply(dependent, decision).events);
    }
    return events;
  }

  #notify(events: JobEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch {
          // A listener's failure must not undo or hide a committed write.
        }
      }
    }
  }
}
