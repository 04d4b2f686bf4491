/** Reads a Baton database file after a run, read-only, for the checks in history-checks.ts. */
import Database from 'better-sqlite3';
import type { DependencyRecord, EventRecord, JobRecord } from './history-checks.ts';

export interface DatabaseContents {
  jobs: JobRecord[];
  events: EventRecord[];
  dependencies: DependencyRecord[];
  integrity: string;
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
          'SELECT seq, job_id, type, from_status, to_status, version, attempt FROM job_events ORDER BY seq',
        )
        .all() as EventRecord[],
      dependencies: db.prepare('SELECT job_id, depends_on FROM job_dependencies').all() as DependencyRecord[],
      integrity: (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
        .map((row) => row.integrity_check)
        .join('; '),
    };
  } finally {
    db.close();
  }
}
