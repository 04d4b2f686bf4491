/**
 * A real server over a real SQLite file (`startServer()` from test/helpers.ts) that also hands the
 * test the server's own database connection, through the store's `onOpen` seam, so the test can put
 * SQLite's own limits on it while requests run: `max_page_count` (the database is full) and
 * `query_only` (the database is read-only).
 */
import type Database from 'better-sqlite3';
import { type ServerFixture, startServer } from '../../helpers.ts';

export interface PressureServer extends ServerFixture {
  /** The connection the server writes through. */
  connection: Database.Database;
}

export async function startPressureServer(): Promise<PressureServer> {
  let connection: Database.Database | undefined;
  const server = await startServer({}, { onOpen: (db) => (connection = db) });
  if (!connection) throw new Error('the store did not open its database');
  return Object.assign(server, { connection });
}
