/**
 * BatonClient: the typed HTTP client of the orchestrator's API, used by the worker, the CLI and
 * anything else that talks to Baton. One method per route; every non-2xx answer throws
 * `BatonApiError`, and a server that cannot be reached throws `BatonConnectionError`.
 */
import { BatonApiError, BatonConnectionError } from './errors.ts';
import type {
  ClaimedJob,
  ClaimOptions,
  CompleteInput,
  CreateJobInput,
  HeartbeatView,
  JobEventView,
  JobPageView,
  JobView,
  ListJobsQuery,
  LogEntryInput,
  LogPageView,
} from './types.ts';

export interface ClientOptions {
  /** The orchestrator's base URL, such as `http://127.0.0.1:7070`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  userAgent?: string;
}

type Query = Record<string, string | number | undefined>;

/** The orchestrator's largest page of `GET /jobs`. */
const MAX_PAGE = 500;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

interface Answer {
  status: number;
  statusText: string;
  text: string;
}

export class BatonClient {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #userAgent: string;

  constructor(options: ClientOptions) {
    // Validated here too (not only by the CLI), so a bad URL fails at construction, not on first use.
    const parsed = new URL(options.url);
    this.url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    this.#token = options.token || undefined;
    this.#userAgent = options.userAgent ?? 'baton-client';
  }

  async createJob(input: CreateJobInput, options: { idempotencyKey?: string } = {}): Promise<JobView> {
    const headers = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined;
    return this.#json<JobView>('POST', '/jobs', { body: input }, headers);
  }

  getJob(id: string): Promise<JobView> {
    return this.#json('GET', jobPath(id));
  }

  listJobs(query: ListJobsQuery = {}): Promise<JobPageView> {
    return this.#json('GET', '/jobs', {
      query: {
        status: query.status?.length ? query.status.join(',') : undefined,
        worker_type: query.worker_type,
        feature_id: query.feature_id,
        limit: query.limit,
        cursor: query.cursor,
      },
    });
  }

  /** Every job the query matches (newest first), page by page, up to `max` when given. */
  async listAllJobs(query: Omit<ListJobsQuery, 'limit' | 'cursor'> = {}, max?: number): Promise<JobView[]> {
    const jobs: JobView[] = [];
    let cursor: string | undefined;
    do {
      const limit = Math.min(MAX_PAGE, max === undefined ? MAX_PAGE : max - jobs.length);
      const page = await this.listJobs({ ...query, limit, cursor });
      jobs.push(...page.jobs);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && (max === undefined || jobs.length < max));
    return jobs;
  }

  async jobEvents(id: string): Promise<JobEventView[]> {
    return (await this.#json<{ events: JobEventView[] }>('GET', `${jobPath(id)}/events`)).events;
  }

  /**
   * Takes the next claimable job, long-polling up to `waitMs`. Resolves null when nothing was
   * claimable (404 `not_found`). Aborting `signal` rejects with the fetch's AbortError; the server
   * sees the hang-up and hands back a job it claimed in that instant.
   */
  async claim(options: ClaimOptions = {}): Promise<ClaimedJob | null> {
    const query = {
      worker_type: options.workerType,
      worker_id: options.workerId,
      wait_ms: options.waitMs,
      lease_ms: options.leaseMs,
    };
    const answer = await this.#send('POST', '/jobs/claim', { query, signal: options.signal });
    if (answer.status === 404) {
      const error = BatonApiError.fromBody(404, answer.statusText, answer.text);
      if (error.code === 'not_found') return null;
      throw error;
    }
    return this.#parse<ClaimedJob>(answer);
  }

  heartbeat(id: string, leaseToken: string): Promise<HeartbeatView> {
    return this.#json('POST', `${jobPath(id)}/heartbeat`, { body: { lease_token: leaseToken } });
  }

  complete(id: string, body: CompleteInput): Promise<JobView> {
    return this.#json('POST', `${jobPath(id)}/complete`, { body });
  }

  release(id: string, leaseToken: string, reason?: string): Promise<JobView> {
    return this.#json('POST', `${jobPath(id)}/release`, { body: { lease_token: leaseToken, reason } });
  }

  cancel(id: string): Promise<JobView> {
    return this.#json('POST', `${jobPath(id)}/cancel`);
  }

  continueJob(id: string, prompt: string): Promise<JobView> {
    return this.#json('POST', `${jobPath(id)}/continue`, { body: { prompt } });
  }

  retry(id: string): Promise<JobView> {
    return this.#json('POST', `${jobPath(id)}/retry`);
  }

  appendLogs(
    id: string,
    entries: LogEntryInput[],
    leaseToken?: string,
  ): Promise<{ appended: number; last_seq: number }> {
    return this.#json('POST', `${jobPath(id)}/logs`, { body: { lease_token: leaseToken, entries } });
  }

  readLogs(id: string, query: { after?: number; limit?: number } = {}): Promise<LogPageView> {
    return this.#json('GET', `${jobPath(id)}/logs`, { query: { after: query.after, limit: query.limit } });
  }

  async deleteJob(id: string): Promise<void> {
    await this.#json('DELETE', jobPath(id));
  }

  /** True when the orchestrator answers and its database does; false otherwise (never throws). */
  async health(): Promise<boolean> {
    try {
      const answer = await this.#send('GET', '/healthz', {});
      return answer.status === 200 && (JSON.parse(answer.text) as { ok?: unknown }).ok === true;
    } catch {
      return false;
    }
  }

  async #json<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
    headers?: Record<string, string>,
  ): Promise<T> {
    return this.#parse<T>(await this.#send(method, path, options, headers));
  }

  #parse<T>(answer: Answer): T {
    if (answer.status < 200 || answer.status > 299) {
      throw BatonApiError.fromBody(answer.status, answer.statusText, answer.text);
    }
    if (answer.status === 204 || answer.text === '') return undefined as T;
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw new BatonApiError(
        answer.status,
        'bad_response',
        `${this.url} answered with a body that is not JSON`,
      );
    }
  }

  /** One HTTP exchange. Network failures become BatonConnectionError; an abort stays an AbortError. */
  async #send(
    method: string,
    path: string,
    options: RequestOptions,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, ...extraHeaders };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const init: RequestInit = { method, headers, signal: options.signal };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    try {
      const response = await fetch(`${this.url}${path}${queryString(options.query)}`, init);
      // The body is read inside the same try: a connection cut mid-answer is a connection error too.
      const text = await response.text();
      return { status: response.status, statusText: response.statusText, text };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new BatonConnectionError(this.url, error);
    }
  }
}

const jobPath = (id: string): string => `/jobs/${encodeURIComponent(id)}`;

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
