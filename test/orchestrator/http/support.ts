/**
 * Shared pieces of the HTTP tests: short-hands over the fixture's `api`, a full read of the SQLite
 * file (to prove a refused request changed nothing) and an SSE reader over fetch. No mocks.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { ApiResponse, ServerFixture } from '../../helpers.ts';

export const REPO = '/srv/repos/app';

export const jobBody = (overrides: Record<string, unknown> = {}) => ({
  repo_url: REPO,
  spec_json: { prompt: 'Add a health check endpoint' },
  ...overrides,
});

/** Creates a job and asserts it was created. */
export async function createJob(server: ServerFixture, overrides: Record<string, unknown> = {}) {
  const response = await server.api('POST', '/jobs', jobBody(overrides));
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

export const claim = (server: ServerFixture, query = ''): Promise<ApiResponse> =>
  server.api('POST', `/jobs/claim${query ? `?${query}` : ''}`);

/** Claims and asserts that the claim got the expected job. */
export async function claimExpecting(server: ServerFixture, id: string, query = '') {
  const response = await claim(server, query);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.id, id);
  return response.body;
}

export async function assertNothingClaimable(server: ServerFixture, query = ''): Promise<void> {
  const response = await claim(server, query);
  assert.equal(response.status, 404, `expected nothing claimable, got ${JSON.stringify(response.body)}`);
  assert.equal(response.body.code, 'not_found');
}

/** Every row of every table of the database file, as one comparable string. */
export function dumpDatabase(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as Array<{ name: string }>;
    const parts = tables.map(({ name }) => {
      const rows = db.prepare(`SELECT * FROM "${name}"`).all();
      return `${name}\n${rows
        .map((row) => JSON.stringify(row))
        .sort()
        .join('\n')}`;
    });
    return parts.join('\n\n');
  } finally {
    db.close();
  }
}

export interface SseMessage {
  id: number;
  event: string;
  data: any;
}

/**
 * Opens `GET /events` and reads messages until `until` says enough (or the timeout passes),
 * then aborts the connection.
 */
export async function readEvents(
  url: string,
  until: (messages: SseMessage[]) => boolean,
  { headers = {}, timeoutMs = 5000 }: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<SseMessage[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const messages: SseMessage[] = [];
  try {
    const response = await fetch(url, { headers, signal: abort.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    while (!until(messages)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.has('data')) {
          messages.push({
            id: Number(fields.get('id')),
            event: fields.get('event') ?? 'message',
            data: JSON.parse(fields.get('data')!),
          });
        }
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return messages;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
