/**
 * The SQLite store (better-sqlite3, WAL). Owns the database file: its schema, every read and
 * every write. Each verb is one IMMEDIATE transaction (the write lock is taken at BEGIN, so two
 * processes sharing the file serialise rather than fail mid-way), and each state change is a
 * compare-and-set on status and version that appends its event row in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../../clock.ts';
import { BatonError, ConflictError, jobNotFound, ValidationError } from '../../models/errors.ts';
import type { Job, JobStatus } from '../../models/job.ts';
import {
  assertDeletable,
  assertLiveLease,
  planCancel,
  planClaim,
  planComplete,
  planContinue,
  planExpire,
  planHeartbeat,
  planRelease,
  planRetry,
  planStatusUpdate,
  type ReleaseOptions,
} from '../../models/lifecycle.ts';
import { newJobRecord } from '../../models/new-job.ts';
import { fingerprint } from '../fingerprint.ts';
import type {
  ChangeListener,
  ClaimRequest,
  CleanupRequest,
  CompleteRequest,
  CreateOptions,
  CreateResult,
  Guard,
  JobEvent,
  JobFilter,
  JobPage,
  LogEntry,
  NewJob,
  Store,
  StoredLogEntry,
  StoreStats,
} from '../store.ts';
import { JobQueries } from './job-queries.ts';
import { JobWriter } from './job-writer.ts';
import { migrate } from './migrations.ts';
import { type EventRow, type JobRow, jobToParams, rowToEvent, rowToJob } from './rows.ts';
import { prepareStatements, type Statements } from './statements.ts';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. The folder is created when missing. */
  path: string;
  clock: Clock;
  /** Lease length when `updateJobStatus` moves a job to running by hand. */
  defaultLeaseMs?: number;
  /** `full` survives power loss; `normal` (WAL default) survives process crashes. */
  synchronous?: 'full' | 'normal';
  /**
   * Called once with the open connection, after the schema is ready. A seam for tests that put
   * SQLite's own limits on this connection (`max_page_count` for a full disk, `query_only` for a
   * read-only database) while the server runs; Baton itself never sets it.
   */
  onOpen?: (db: Database.Database) => void;
}

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #clock: Clock;
  readonly #defaultLeaseMs: number;
  readonly #writer: JobWriter;
  readonly #queries: JobQueries;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    // Reads come from memory, not read() calls: a 64 MiB page cache and the file mapped.
    this.#db.pragma('cache_size = -65536');
    this.#db.pragma('mmap_size = 268435456');
    this.#clock = options.clock;
    this.#defaultLeaseMs = options.defaultLeaseMs ?? 60_000;
    migrate(this.#db, this.#clock.now());
    this.#sql = prepareStatements(this.#db);
    this.#writer = new JobWriter(this.#db, this.#sql, this.#clock);
    this.#queries = new JobQueries(this.#db, this.#sql);
    options.onOpen?.(this.#db);
  }

  async createJob(input: NewJob, options: CreateOptions = {}): Promise<CreateResult> {
    const hash = options.idempotencyKey === undefined ? null : fingerprint(input);
    return this.#writer.transaction<CreateResult>(() => {
      if (options.idempotencyKey !== undefined) {
        const row = this.#sql.jobByIdempotencyKey.get(options.idempotencyKey) as
          | (JobRow & { request_hash: string })
          | undefined;
        if (row) {
          if (row.request_hash !== hash) {
            throw new ConflictError('Idempotency-Key was already used with a different request body', {
              job_id: row.id,
            });
          }
          return { result: { job: rowToJob(row), created: false }, events: [] };
        }
      }
      const dependsOn = [...new Set(input.depends_on ?? [])];
      const waitingOn = dependsOn.filter((dependency) => !this.#usableDependencyIsDone(dependency)).length;
      const now = this.#clock.now();
      // Time-ordered ids keep the id and history indexes appending at their right edge.
      const id = uuidv7();
      const job = newJobRecord(input, id, dependsOn, now);
      const info = this.#sql.insertJob.run({
        ...jobToParams(job),
        idempotency_key: options.idempotencyKey ?? null,
        request_hash: hash,
        waiting_on: waitingOn,
        branch_held: (this.#sql.branchHeld.get(job.repo_url, job.branch_name) as { held: number }).held,
      });
      job.seq = Number(info.lastInsertRowid);
      for (const dependency of dependsOn) this.#sql.insertDependency.run(id, dependency);
      const created = this.#writer.appendEvent(job, {
        type: 'created',
        from_status: null,
        to_status: 'pending',
        actor: 'api',
        reason: null,
      });
      return { result: { job, created: true }, events: [created] };
    });
  }

  /**
   * A job may only wait on jobs that exist (so dependencies can never form a cycle: a new job's id
   * is fresh, nothing can already wait on it) and that can still finish `done`.
   */
  #usableDependencyIsDone(dependencyId: string): boolean {
    const row = this.#sql.jobById.get(dependencyId) as JobRow | undefined;
    if (!row)
      throw new ValidationError(`depends_on names job ${dependencyId}, which does not exist`, {
        job_id: dependencyId,
      });
    if (row.status === 'failed' || row.status === 'cancelled') {
      throw new ConflictError(
        `depends_on names job ${dependencyId}, which is ${row.status}; retry it first`,
        {
          job_id: dependencyId,
          status: row.status,
        },
      );
    }
    return row.status === 'done';
  }

  async getJob(id: string): Promise<Job> {
    return this.#writer.load(id);
  }

  async listJobs(filter: JobFilter): Promise<JobPage> {
    return this.#queries.listJobs(filter);
  }

  async jobEvents(id: string): Promise<JobEvent[]> {
    const rows = (this.#sql.eventsOfJob.all(id) as EventRow[]).map(rowToEvent);
    if (rows.length === 0) throw jobNotFound(id);
    return rows;
  }

  async eventsAfter(afterSeq: number, limit: number): Promise<JobEvent[]> {
    return (this.#sql.eventsAfter.all(afterSeq, limit) as EventRow[]).map(rowToEvent);
  }

  async claim(request: ClaimRequest): Promise<Job | undefined> {
    return this.#writer.transaction(() => {
      const now = this.#clock.now();
      const row = this.#sql.nextClaimable.get({ worker_type: request.workerType, now }) as JobRow | undefined;
      if (!row) return { result: undefined, events: [] };
      const job = rowToJob(row);
      const decision = planClaim(job, {
        workerId: request.workerId,
        leaseMs: request.leaseMs,
        leaseToken: randomUUID(),
        now,
      });
      return this.#writer.apply(job, decision);
    });
  }

  async heartbeat(id: string, leaseToken: string): Promise<Job> {
    return this.#writer.mutate(id, {}, (job, now) => planHeartbeat(job, leaseToken, now));
  }

  async complete(id: string, request: CompleteRequest): Promise<Job> {
    return this.#writer.mutate(id, request, (job, now) => planComplete(job, { ...request, now }));
  }

  async release(id: string, leaseToken: string, options: ReleaseOptions = {}): Promise<Job> {
    return this.#writer.mutate(id, {}, (job, now) => planRelease(job, leaseToken, now, options));
  }

  async cancel(id: string, guard: Guard = {}): Promise<Job> {
    return this.#writer.mutate(id, guard, (job, now) => planCancel(job, { now, actor: 'api' }));
  }

  async continueJob(id: string, prompt: string, guard: Guard = {}): Promise<Job> {
    return this.#writer.mutate(id, guard, (job, now) => planContinue(job, prompt, { now, actor: 'api' }));
  }

  async retry(id: string, guard: Guard = {}): Promise<Job> {
    return this.#writer.mutate(id, guard, (job, now) => planRetry(job, { now, actor: 'api' }));
  }

  async updateJobStatus(
    id: string,
    status: JobStatus,
    resultSummary?: unknown,
    expectedStatus?: JobStatus,
  ): Promise<Job> {
    return this.#writer.mutate(id, {}, (job, now) =>
      planStatusUpdate(job, {
        status,
        result_summary: resultSummary,
        expectedStatus,
        now,
        lease: { token: randomUUID(), ms: this.#defaultLeaseMs },
      }),
    );
  }

  async deleteJob(id: string, guard: Guard = {}): Promise<void> {
    await this.#writer.transaction(() => ({
      result: undefined,
      events: [this.#deleteInTransaction(id, guard)],
    }));
  }

  #deleteInTransaction(id: string, guard: Guard): JobEvent {
    const job = this.#writer.load(id);
    this.#writer.checkGuard(job, guard);
    assertDeletable(job);
    const waiting = this.#sql.blockingDependent.get({ id, status: job.status }) as
      | { id: string; status: string }
      | undefined;
    if (waiting) {
      throw new ConflictError(
        `Job ${id} cannot be deleted: job ${waiting.id} (${waiting.status}) depends on it`,
        {
          job_id: id,
          dependent_id: waiting.id,
        },
      );
    }
    const gone = { ...job, version: job.version + 1 };
    const event = this.#writer.appendEvent(gone, {
      type: 'deleted',
      from_status: job.status,
      to_status: null,
      actor: 'api',
      reason: null,
    });
    this.#sql.deleteJob.run(id, job.version);
    return event;
  }

  async cleanup(request: CleanupRequest): Promise<number> {
    const candidates = this.#sql.cleanupCandidates.all(
      JSON.stringify(request.statuses),
      request.updatedBefore,
    ) as Array<{
      id: string;
      version: number;
    }>;
    let deleted = 0;
    for (const { id, version } of candidates) {
      try {
        // Guarded by the version it was listed at: a job continued or retried since is kept.
        await this.deleteJob(id, { expectedVersion: version });
        deleted += 1;
      } catch (error) {
        // Changed since it was listed, or still needed by a dependent: kept.
        if (!(error instanceof BatonError) || error.code === 'storage_unavailable') throw error;
      }
    }
    return deleted;
  }

  async appendLogs(id: string, entries: LogEntry[], leaseToken?: string): Promise<{ last_seq: number }> {
    return this.#writer.transaction(() => {
      const job = this.#writer.load(id);
      // The fencing rule for logs: an older attempt's worker may not write into this attempt.
      if (leaseToken !== undefined) assertLiveLease(job, leaseToken);
      const at = this.#clock.now();
      let last = 0;
      for (const entry of entries) {
        last = Number(
          this.#sql.insertLog.run({
            job_id: id,
            attempt: job.attempt,
            stream: entry.stream,
            text: entry.text,
            at,
          }).lastInsertRowid,
        );
      }
      return { result: { last_seq: last }, events: [] };
    });
  }

  async readLogs(id: string, afterSeq: number, limit: number): Promise<StoredLogEntry[]> {
    this.#writer.load(id);
    return this.#sql.logsAfter.all(id, afterSeq, limit) as StoredLogEntry[];
  }

  async reapExpired(): Promise<Job[]> {
    const reaped: Job[] = [];
    const due = (this.#sql.expiredLeases.all(this.#clock.now(), 500) as JobRow[]).map((row) => row.id);
    for (const id of due) {
      // Each expiry re-reads the job in its own transaction: a heartbeat that landed since the
      // listing (from this or another process) bumped the version and makes this a no-op.
      const job = await this.#writer.mutate(id, {}, (current, now) => planExpire(current, now));
      if (job.status !== 'running') reaped.push(job);
    }
    return reaped;
  }

  async nextLeaseExpiry(): Promise<number | null> {
    return (this.#sql.nextLeaseExpiry.get() as { at: number | null }).at;
  }

  async stats(): Promise<StoreStats> {
    return this.#queries.stats();
  }

  onChange(listener: ChangeListener): () => void {
    this.#writer.listeners.add(listener);
    return () => this.#writer.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#writer.listeners.clear();
    if (this.#db.open) this.#db.close();
  }
}
