/**
 * Numbered, append-only migrations. Each runs in its own transaction and is recorded in
 * `schema_migrations`; a database written by a newer Baton is refused rather than guessed at.
 * Never edit a migration that has shipped: add the next number.
 */
import type Database from 'better-sqlite3';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, dependencies, events, logs',
    sql: `
      CREATE TABLE jobs (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        id               TEXT    NOT NULL UNIQUE,
        status           TEXT    NOT NULL CHECK (status IN ('pending','running','awaiting_input','done','failed','cancelled')),
        version          INTEGER NOT NULL CHECK (version >= 1),
        worker_type      TEXT    NOT NULL,
        repo_url         TEXT    NOT NULL,
        base_ref         TEXT    NOT NULL,
        branch_name      TEXT    NOT NULL,
        worktree_path    TEXT,
        spec_json        TEXT    NOT NULL,
        result_summary   TEXT,
        conversation_id  TEXT,
        feature_id       TEXT,
        feature_part     TEXT,
        push_mode        TEXT    NOT NULL CHECK (push_mode IN ('always','never')),
        priority         INTEGER NOT NULL,
        run_at           INTEGER,
        depends_on       TEXT    NOT NULL,
        attempt          INTEGER NOT NULL,
        max_attempts     INTEGER NOT NULL,
        attempt_base     INTEGER NOT NULL,
        lease_token      TEXT,
        lease_owner      TEXT,
        lease_expires_at INTEGER,
        lease_ms         INTEGER,
        cancel_requested INTEGER NOT NULL,
        -- Claim bookkeeping, derived and refreshed in the transaction that changes its inputs:
        -- dependencies not yet done, and whether another job holds this job's repo+branch.
        waiting_on       INTEGER NOT NULL DEFAULT 0,
        branch_held      INTEGER NOT NULL DEFAULT 0,
        idempotency_key  TEXT,
        request_hash     TEXT,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
      );
      -- The claim walks this index in claim order and stops at the first row whose run_at has come.
      -- Jobs blocked by a dependency or a held branch are not in it, so a blocked backlog costs nothing.
      CREATE INDEX jobs_claimable ON jobs (worker_type, priority DESC, seq)
        WHERE status = 'pending' AND waiting_on = 0 AND branch_held = 0;
      CREATE INDEX jobs_pending_branch ON jobs (repo_url, branch_name) WHERE status = 'pending';
      CREATE INDEX jobs_branch_holders ON jobs (repo_url, branch_name) WHERE status IN ('running','awaiting_input');
      CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at) WHERE status = 'running';
      CREATE INDEX jobs_status ON jobs (status, seq);
      -- Partial: most jobs have no key, and they should not pay for an index entry.
      CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX jobs_feature ON jobs (feature_id, seq) WHERE feature_id IS NOT NULL;

      CREATE TABLE job_dependencies (
        job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        depends_on TEXT NOT NULL,
        PRIMARY KEY (job_id, depends_on)
      ) WITHOUT ROWID;
      CREATE INDEX job_dependencies_reverse ON job_dependencies (depends_on);

      CREATE TABLE job_events (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id      TEXT    NOT NULL,
        type        TEXT    NOT NULL,
        from_status TEXT,
        to_status   TEXT,
        version     INTEGER NOT NULL,
        attempt     INTEGER NOT NULL,
        actor       TEXT    NOT NULL,
        reason      TEXT,
        at          INTEGER NOT NULL
      );
      CREATE INDEX job_events_job ON job_events (job_id, seq);

      CREATE TABLE event_counts (
        type      TEXT    NOT NULL,
        to_status TEXT    NOT NULL,
        count     INTEGER NOT NULL,
        PRIMARY KEY (type, to_status)
      ) WITHOUT ROWID;

      CREATE TABLE job_logs (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id  TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        stream  TEXT    NOT NULL,
        text    TEXT    NOT NULL,
        at      INTEGER NOT NULL
      );
      CREATE INDEX job_logs_job ON job_logs (job_id, seq);
    `,
  },
  {
    version: 2,
    name: 'what the lease holder reported',
    sql: `
      ALTER TABLE jobs ADD COLUMN reported_status TEXT
        CHECK (reported_status IN ('done','failed','awaiting_input','cancelled'));
    `,
  },
];

export function migrate(db: Database.Database, now: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = db.prepare('SELECT max(version) AS v FROM schema_migrations');
  const currentVersion = () => (applied.get() as { v: number | null }).v ?? 0;
  const current = currentVersion();
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `Database schema is version ${current}, newer than this Baton knows (${latest}); upgrade Baton`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Re-read under the write lock: another process opening the same file may have applied this
      // migration between the read above and this transaction (it would fail with "already exists").
      if (currentVersion() >= migration.version) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now);
    }).immediate();
  }
}
