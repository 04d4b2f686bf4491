/**
 * A real server on 127.0.0.1 over a real SQLite file, like `startServer()` in test/helpers.ts, that
 * also hands the test the server's own database connection (through the store's `onOpen` seam), so
 * the test can put SQLite's own limits on it while requests run: `max_page_count` (the database is
 * full) and `query_only` (the database is read-only).
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../../src/orchestrator/clock.ts';
import { buildServer } from '../../../src/orchestrator/server.ts';
import { SqliteStore } from '../../../src/orchestrator/store/sqlite/sqlite-store.ts';
import { requestJson as call, type ApiResponse as Reply, tempDir } from '../../helpers.ts';

export interface PressureServer {
  url: string;
  dbPath: string;
  /** The connection the server writes through. */
  connection: Database.Database;
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>;
  cleanup(): Promise<void>;
}

export async function startPressureServer(): Promise<PressureServer> {
  const dir = tempDir('baton-pressure-');
  const dbPath = join(dir.path, 'baton.db');
  const clock = new ManualClock();
  let connection: Database.Database | undefined;
  const store = new SqliteStore({
    path: dbPath,
    clock,
    onOpen: (db) => {
      connection = db;
    },
  });
  let app: FastifyInstance | undefined;
  try {
    app = buildServer({ store, clock, claimRecheckMs: 50 });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await app?.close();
    await store.close();
    dir.remove();
    throw error;
  }
  const address = app.server.address();
  if (!connection || !address || typeof address === 'string') throw new Error('server did not start');
  const url = `http://127.0.0.1:${address.port}`;
  const server = app;
  return {
    url,
    dbPath,
    connection,
    api: (method, path, body, headers) => call(url, method, path, body, headers),
    async cleanup() {
      await server.close();
      await store.close();
      dir.remove();
    },
  };
}
