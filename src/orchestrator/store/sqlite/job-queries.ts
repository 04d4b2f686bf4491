/** Read-only queries of the SQLite store whose SQL depends on their arguments, and the stats for /metrics. */
import type Database from 'better-sqlite3';
import { JOB_STATUSES, type JobStatus } from '../../models/job.ts';
import type { JobEvent, JobFilter, JobPage, StoreStats } from '../store.ts';
import { type JobRow, rowToJob } from './rows.ts';
import type { Statements } from './statements.ts';

export class JobQueries {
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #listStatements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, sql: Statements) {
    this.#db = db;
    this.#sql = sql;
  }

  /** Newest first, filtered; one prepared statement per filter shape, cached. */
  listJobs(filter: JobFilter): JobPage {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.statuses?.length) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.worker_type !== undefined) {
      where.push('worker_type = ?');
      params.push(filter.worker_type);
    }
    if (filter.feature_id !== undefined) {
      where.push('feature_id = ?');
      params.push(filter.feature_id);
    }
    if (filter.before !== undefined) {
      where.push('seq < ?');
      params.push(filter.before);
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    let statement = this.#listStatements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#listStatements.set(sql, statement);
    }
    const rows = statement.all(...params, filter.limit + 1) as JobRow[];
    const jobs = rows.slice(0, filter.limit).map(rowToJob);
    const next = rows.length > filter.limit ? (jobs.at(-1)?.seq ?? null) : null;
    return { jobs, next };
  }

  stats(): StoreStats {
    const jobsByStatus = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    for (const row of this.#sql.jobsByStatus.all() as Array<{ status: JobStatus; count: number }>) {
      jobsByStatus[row.status] = row.count;
    }
    const eventCounts = (
      this.#sql.eventCounts.all() as Array<{ type: string; to_status: string; count: number }>
    ).map((row) => ({
      type: row.type as JobEvent['type'],
      to_status: (row.to_status === '' ? null : row.to_status) as JobStatus | null,
      count: row.count,
    }));
    return { jobsByStatus, eventCounts };
  }
}
