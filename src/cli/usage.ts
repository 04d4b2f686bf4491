import { readFileSync } from 'node:fs';

/** The version in package.json: one source of truth. Read when asked, not at import. */
export const version = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

export const usage = (): string => `baton ${version()}: a job orchestrator for AI coding agents

Usage:
  baton up [options]       start Baton on this machine: the orchestrator and one worker
  baton server [options]   start the orchestrator (HTTP API, store, lease reaper)
  baton worker [options]   start a worker: claim jobs and run agents in git worktrees
  baton help | version

Jobs (talk to the orchestrator at --url URL or BATON_URL, default http://127.0.0.1:7070;
--token TOKEN or BATON_TOKEN when it needs one):
  baton submit [options] PROMPT   submit a job (PROMPT '-' reads stdin); prints its id
      --repo PATH|URL (.)  --base REF (the repo's current branch)  --branch NAME  --agent NAME
      --model NAME  --feature ID  --depends-on ID (repeatable)  --push always|never
      --priority N  --worker-type TYPE  --test-command '["npm","test"]'  --timeout-ms MS
  baton jobs [--status S1,S2] [--limit N] [--all]   list jobs, newest first
  baton show ID                   a job's fields, result summary and history
  baton logs ID [--follow]        a job's logs; --follow until it settles
  baton wait ID [--timeout-ms MS] wait until it settles; exit 0 only for done, 124 on timeout
  baton cancel ID                 cancel it (a running job stops at its next heartbeat)
  baton continue ID PROMPT        follow up in the same conversation (or answer its question)
  baton retry ID                  queue a failed or cancelled job again
  baton worktrees [prune] [--worktrees DIR] [--older-than 7d] [--dry-run]
                                  list this machine's worktrees and their jobs; prune unneeded ones

Server options (or BATON_* environment variables):
  --host HOST        address to listen on        BATON_HOST      (127.0.0.1)
  --port PORT        port to listen on, 0 = any  BATON_PORT      (7070)
  --db PATH          SQLite database file        BATON_DB        (./.baton/baton.db)
  --lease-ms MS      default lease length        BATON_LEASE_MS  (60000)
  --token TOKEN      require Bearer TOKEN        BATON_TOKEN     (none; required off loopback)
  --body-limit BYTES largest request body        BATON_BODY_LIMIT (1048576)
  --sync full|normal SQLite synchronous mode     BATON_SYNC      (normal)
Worker options (baton worker, and baton up except --url):
  --url URL            orchestrator                BATON_URL         (http://127.0.0.1:7070)
  --token TOKEN        its API token               BATON_TOKEN       (none)
  --type TYPE          worker type to claim        BATON_WORKER_TYPE (default)
  --concurrency N      jobs at once                BATON_CONCURRENCY (3)
  --worktrees DIR      where worktrees live        BATON_WORKTREES   (./.baton/worktrees)
  --id ID              worker id                   BATON_WORKER_ID   (hostname:pid)
  --agent NAME         agent when a job names none BATON_AGENT       (codex)
  --codex-path PATH    the codex program           BATON_CODEX_PATH  (codex)
  --claude-path PATH   the claude program          BATON_CLAUDE_PATH (claude)
  --agent-command JSON argv of the 'command' agent BATON_AGENT_COMMAND, e.g. '["aider","--yes","--message","{prompt}"]'
  --worker-lease-ms MS lease asked for at claim    BATON_WORKER_LEASE_MS (the server's)
  --grace-ms MS        on SIGTERM, time to finish  BATON_GRACE_MS    (10000)
  --git-name NAME      commit author               BATON_GIT_NAME    (Baton)
  --git-email EMAIL    commit author email         BATON_GIT_EMAIL   (baton@localhost)
`;
