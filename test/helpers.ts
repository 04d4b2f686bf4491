/**
 * Shared test fixtures: a real SQLite file in a fresh temp folder, a real server on 127.0.0.1 with
 * a clock the test controls, and a tiny JSON client over fetch. No mocks.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../src/orchestrator/clock.ts';
import { buildServer, type ServerOptions } from '../src/orchestrator/server.ts';
import { SqliteStore, type SqliteStoreOptions } from '../src/orchestrator/store/sqlite/sqlite-store.ts';
import type { NewJob } from '../src/orchestrator/store/store.ts';

export function tempDir(prefix = 'baton-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface StoreFixture {
  store: SqliteStore;
  clock: ManualClock;
  dbPath: string;
  /** Closes the store and opens a new one on the same file (a restart). */
  reopen(): Promise<SqliteStore>;
  cleanup(): Promise<void>;
}

/** Store options a test may add, such as `onOpen` to reach the store's own connection. */
export type StoreExtras = Pick<SqliteStoreOptions, 'onOpen'>;

export function openStore(extras: StoreExtras = {}): StoreFixture {
  const dir = tempDir();
  const dbPath = join(dir.path, 'baton.db');
  const clock = new ManualClock();
  const fixture: StoreFixture = {
    store: new SqliteStore({ path: dbPath, clock, ...extras }),
    clock,
    dbPath,
    async reopen() {
      await fixture.store.close();
      fixture.store = new SqliteStore({ path: dbPath, clock, ...extras });
      return fixture.store;
    },
    async cleanup() {
      await fixture.store.close();
      dir.remove();
    },
  };
  return fixture;
}

export const newJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  repo_url: '/srv/repos/app',
  spec_json: { prompt: 'Add a health check endpoint' },
  ...overrides,
});

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ServerFixture extends StoreFixture {
  app: FastifyInstance;
  url: string;
  api: <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<ApiResponse<T>>;
  /** Stops the HTTP server and the store, then starts both again on the same database file. */
  restart(): Promise<void>;
}

export async function startServer(
  options: Partial<ServerOptions> = {},
  extras: StoreExtras = {},
): Promise<ServerFixture> {
  const fixture = openStore(extras);
  const listen = async () => {
    const app = buildServer({ store: fixture.store, clock: fixture.clock, claimRecheckMs: 50, ...options });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    return { app, url: `http://127.0.0.1:${address.port}` };
  };
  const first = await listen();
  const server: ServerFixture = {
    ...fixture,
    get store() {
      return fixture.store;
    },
    app: first.app,
    url: first.url,
    api: (method, path, body, headers) => requestJson(server.url, method, path, body, headers),
    async restart() {
      await server.app.close();
      await fixture.reopen();
      const next = await listen();
      server.app = next.app;
      server.url = next.url;
    },
    async cleanup() {
      await server.app.close();
      await fixture.cleanup();
    },
  };
  return server;
}

/**
 * Polls `probe` (sync or async) until it gives something other than undefined or false, and
 * returns that; fails naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Commit identity for a test's own git commands: never the machine's global config. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Baton Test',
  GIT_AUTHOR_EMAIL: 'test@baton.invalid',
  GIT_COMMITTER_NAME: 'Baton Test',
  GIT_COMMITTER_EMAIL: 'test@baton.invalid',
};

/** The URL of a port nothing listens on: bound by the OS, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * One JSON request to a Baton server (in this process or another): an object body is sent as JSON,
 * a string or bytes as they are; a JSON answer is parsed, any other is returned as text.
 */
export async function requestJson<T = any>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body =
      typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('application/json') && text)
    parsed = JSON.parse(text);
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Samples of a `/metrics` text (Prometheus), keyed by `name{labels}`. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}
