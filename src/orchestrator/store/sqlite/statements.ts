/**
 * Every SQL statement of the SQLite store, prepared once. One named statement per operation, each
 * with what it guarantees. The store composes them inside transactions.
 */
import type Database from 'better-sqlite3';

const JOB_COLUMNS = `id, status, version, worker_type, repo_url, base_ref, branch_name, worktree_path, spec_json,
  result_summary, conversation_id, feature_id, feature_part, push_mode, priority, run_at, depends_on, attempt,
  max_attempts, attempt_base, lease_token, lease_owner, lease_expires_at, lease_ms, cancel_requested, created_at,
  updated_at, reported_status`;

export function prepareStatements(db: Database.Database) {
  return {
    /** Inserts a new job; `id` and `idempotency_key` are unique, so a duplicate cannot slip in. */
    insertJob:
      db.prepare(`INSERT INTO jobs (${JOB_COLUMNS}, idempotency_key, request_hash, waiting_on, branch_held)
      VALUES (${JOB_COLUMNS.split(',')
        .map((c) => `@${c.trim()}`)
        .join(', ')}, @idempotency_key, @request_hash, @waiting_on, @branch_held)`),

    insertDependency: db.prepare('INSERT OR IGNORE INTO job_dependencies (job_id, depends_on) VALUES (?, ?)'),

    jobById: db.prepare('SELECT * FROM jobs WHERE id = ?'),

    jobByIdempotencyKey: db.prepare('SELECT * FROM jobs WHERE idempotency_key = ?'),

    /**
     * The compare-and-set every state change goes through: it writes only if the row is still at
     * the status and version the decision was made on. Zero changes means someone else wrote first.
     */
    writeJob: db.prepare(`UPDATE jobs SET
        status = @status, version = @version, spec_json = @spec_json, result_summary = @result_summary,
        conversation_id = @conversation_id, attempt = @attempt, attempt_base = @attempt_base,
        lease_token = @lease_token, lease_owner = @lease_owner, lease_expires_at = @lease_expires_at,
        lease_ms = @lease_ms, cancel_requested = @cancel_requested, updated_at = @updated_at,
        reported_status = @reported_status
      WHERE id = @id AND status = @expected_status AND version = @expected_version`),

    /**
     * The first claimable job in claim order: walks `jobs_claimable` (priority, then submission
     * order; blocked jobs are not in it) and stops at the first row whose run_at has come. The
     * dependency and branch checks are repeated from the source tables, so a claim never relies on
     * the bookkeeping columns alone for correctness. No sort, no scan of the backlog.
     */
    nextClaimable: db.prepare(`SELECT j.* FROM jobs j INDEXED BY jobs_claimable
      WHERE j.status = 'pending' AND j.waiting_on = 0 AND j.branch_held = 0 AND j.worker_type = @worker_type
        AND (j.run_at IS NULL OR j.run_at <= @now)
        AND NOT EXISTS (SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
                        WHERE d.job_id = j.id AND p.status <> 'done')
        AND NOT EXISTS (SELECT 1 FROM jobs o INDEXED BY jobs_branch_holders
                        WHERE o.repo_url = j.repo_url AND o.branch_name = j.branch_name
                          AND o.status IN ('running', 'awaiting_input'))
      ORDER BY j.priority DESC, j.seq
      LIMIT 1`),

    /** Whether a running or paused job holds this repo+branch now. */
    branchHeld: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_branch_holders
      WHERE repo_url = ? AND branch_name = ? AND status IN ('running', 'awaiting_input')) AS held`),

    /**
     * Recounts the unfinished dependencies of the pending jobs that wait on the given job. The unary
     * `+` keeps SQLite from walking every pending job through the status index: it looks up the
     * dependents by id instead.
     */
    refreshDependents: db.prepare(`UPDATE jobs SET waiting_on =
        (SELECT count(*) FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
         WHERE d.job_id = jobs.id AND p.status <> 'done')
      WHERE id IN (SELECT job_id FROM job_dependencies WHERE depends_on = ?) AND +status = 'pending'`),

    /** Marks whether a running or paused job holds the branch, for every pending job on it. */
    refreshBranch: db.prepare(`UPDATE jobs SET branch_held = EXISTS
        (SELECT 1 FROM jobs o INDEXED BY jobs_branch_holders
         WHERE o.repo_url = jobs.repo_url AND o.branch_name = jobs.branch_name
           AND o.status IN ('running', 'awaiting_input'))
      WHERE repo_url = ? AND branch_name = ? AND status = 'pending'`),

    /** Both of the above for one job that has just become pending. */
    refreshJob: db.prepare(`UPDATE jobs SET
        waiting_on = (SELECT count(*) FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
                      WHERE d.job_id = jobs.id AND p.status <> 'done'),
        branch_held = EXISTS (SELECT 1 FROM jobs o INDEXED BY jobs_branch_holders
                              WHERE o.repo_url = jobs.repo_url AND o.branch_name = jobs.branch_name
                                AND o.status IN ('running', 'awaiting_input'))
      WHERE id = ? AND status = 'pending'`),

    /** Pending jobs that wait on the given job: cancelled when it fails or is cancelled. */
    pendingDependents: db.prepare(`SELECT j.* FROM job_dependencies d JOIN jobs j ON j.id = d.job_id
      WHERE d.depends_on = ? AND j.status = 'pending' ORDER BY j.seq`),

    /**
     * A job that must keep the given job from being deleted: any unfinished job that waits on it,
     * or, unless the given job is done, any job at all that waits on it. So only a dependency that
     * is done can ever disappear, and a missing dependency always means "was done".
     */
    blockingDependent:
      db.prepare(`SELECT j.id, j.status FROM job_dependencies d JOIN jobs j ON j.id = d.job_id
      WHERE d.depends_on = @id AND (j.status IN ('pending', 'running', 'awaiting_input') OR @status <> 'done')
      LIMIT 1`),

    /** Running jobs whose lease has run out, oldest expiry first (uses `jobs_lease_expiry`). */
    expiredLeases: db.prepare(`SELECT * FROM jobs WHERE status = 'running' AND lease_expires_at <= ?
      ORDER BY lease_expires_at LIMIT ?`),

    nextLeaseExpiry: db.prepare(`SELECT min(lease_expires_at) AS at FROM jobs WHERE status = 'running'`),

    /** Deletes a job; its dependency rows and logs go with it (ON DELETE CASCADE). Events stay. */
    deleteJob: db.prepare('DELETE FROM jobs WHERE id = ? AND version = ?'),

    cleanupCandidates:
      db.prepare(`SELECT id, version FROM jobs WHERE status IN (SELECT value FROM json_each(?))
      AND updated_at < ? ORDER BY seq LIMIT 1000`),

    /** Appends one row to the history; written in the same transaction as the change it records. */
    insertEvent:
      db.prepare(`INSERT INTO job_events (job_id, type, from_status, to_status, version, attempt, actor, reason, at)
      VALUES (@job_id, @type, @from_status, @to_status, @version, @attempt, @actor, @reason, @at)`),

    /** Keeps per-type counts in step with the history, for /metrics without scanning it. */
    countEvent: db.prepare(`INSERT INTO event_counts (type, to_status, count) VALUES (?, ?, 1)
      ON CONFLICT (type, to_status) DO UPDATE SET count = count + 1`),

    eventsOfJob: db.prepare('SELECT * FROM job_events WHERE job_id = ? ORDER BY seq'),

    eventsAfter: db.prepare('SELECT * FROM job_events WHERE seq > ? ORDER BY seq LIMIT ?'),

    insertLog: db.prepare(`INSERT INTO job_logs (job_id, attempt, stream, text, at)
      VALUES (@job_id, @attempt, @stream, @text, @at)`),

    logsAfter: db.prepare(
      'SELECT seq, attempt, stream, text, at FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),

    jobsByStatus: db.prepare('SELECT status, count(*) AS count FROM jobs GROUP BY status'),

    eventCounts: db.prepare('SELECT type, to_status, count FROM event_counts ORDER BY type, to_status'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
