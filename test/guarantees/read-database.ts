/**
 * Reads a Baton database file after a run, read-only: the rows the guarantee checks judge (jobs,
 * their whole event history, dependencies) and SQLite's own integrity verdict.
 */
import Database from 'better-sqlite3';
import type { EventRecord, JobRecord } from './torture/records.ts';

export interface DependencyRecord {
  job_id: string;
  depends_on: string;
}

export interface DatabaseContents {
  jobs: JobRecord[];
  events: EventRecord[];
  dependencies: DependencyRecord[];
  /** `PRAGMA integrity_check`: `['ok']` when the file is sound. */
  integrity: string[];
}

export function readDatabase(path: string): DatabaseContents {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return {
      jobs: db
        .prepare('SELECT id, status, version, attempt, repo_url, branch_name FROM jobs ORDER BY seq')
        .all() as JobRecord[],
      events: db
        .prepare(
          'SELECT seq, job_id, type, from_status, to_status, version, attempt, actor, reason, at FROM job_events ORDER BY seq',
        )
        .all() as EventRecord[],
      dependencies: db.prepare('SELECT job_id, depends_on FROM job_dependencies').all() as DependencyRecord[],
      integrity: (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(
        (row) => row.integrity_check,
      ),
    };
  } finally {
    db.close();
  }
}
