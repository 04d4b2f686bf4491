import { readFileSync } from 'node:fs';

/** The version in package.json: one source of truth. Read when asked, not at import. */
export const version = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

export const usage = (): string => `baton ${version()}: a job orchestrator for AI coding agents

Usage:
  baton up [options]       start Baton on this machine (for now: the orchestrator)
  baton server [options]   start the orchestrator (HTTP API, store, lease reaper)
  baton help | version

Server options (or BATON_* environment variables):
  --host HOST        address to listen on        BATON_HOST      (127.0.0.1)
  --port PORT        port to listen on, 0 = any  BATON_PORT      (7070)
  --db PATH          SQLite database file        BATON_DB        (./.baton/baton.db)
  --lease-ms MS      default lease length        BATON_LEASE_MS  (60000)
  --token TOKEN      require Bearer TOKEN        BATON_TOKEN     (none; required off loopback)
  --body-limit BYTES largest request body        BATON_BODY_LIMIT (1048576)
  --sync full|normal SQLite synchronous mode     BATON_SYNC      (normal)
`;
