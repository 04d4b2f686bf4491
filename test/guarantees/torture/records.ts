/**
 * The records the torture run passes around: the rows it reads from the database, the lines the
 * workers write to their journals, and the violations the checks report. Types only, plus one
 * reading rule shared by the worker and the checks.
 */

export type RequestKind = 'claim' | 'heartbeat' | 'complete' | 'release';
/** Why a worker sent a request: its normal work, a repeat on purpose, a report after its lease was reaped, or a resend after a connection error. */
export type Purpose = 'normal' | 'duplicate' | 'late' | 'retry';

/** One line of a worker's journal: a lease-bearing request and its answer (`http: null` = no answer). */
export interface JournalEntry {
  kind: RequestKind;
  worker: string;
  job_id: string;
  attempt: number;
  token: string;
  status: string | null;
  retryable: boolean;
  purpose: Purpose;
  url: string;
  sent_at: number;
  received_at: number;
  http: number | null;
  code: string | null;
  job_status: string | null;
  job_version: number | null;
  cancel_requested: boolean | null;
}

/** No answer, or one from a server that could not serve it (such as a 503 while stopping): says nothing. */
export const unanswered = (entry: { http: number | null }): boolean =>
  entry.http === null || entry.http >= 500;

export interface JobRecord {
  id: string;
  status: string;
  version: number;
  attempt: number;
  repo_url: string;
  branch_name: string;
}

export interface EventRecord {
  seq: number;
  job_id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  version: number;
  attempt: number;
  actor: string;
  reason: string | null;
  at: number;
}

export interface CheckInput {
  submitted: readonly string[];
  jobs: readonly JobRecord[];
  events: readonly EventRecord[];
  journal: readonly JournalEntry[];
  /** /metrics as scraped from the last orchestrator process, after the workers stopped. */
  metrics: string;
  /** The last orchestrator process: in-memory refusal counters cover only what it answered. */
  lastServer: { url: string; readyAt: number };
  /** Workers that were SIGKILLed: they may have had a completion accepted but never journalled. */
  killedWorkers: readonly string[];
  integrity: readonly string[];
}

export type CheckName =
  | 'lost'
  | 'terminal'
  | 'history'
  | 'lease'
  | 'branch'
  | 'fencing'
  | 'duplicate'
  | 'done_once'
  | 'metrics'
  | 'integrity';

export interface Violation {
  check: CheckName;
  job_id?: string;
  detail: string;
}

/** One lease as the history shows it: from its claim to the event that took the job out of running. */
export interface LeaseSpan {
  attempt: number;
  start: EventRecord;
  end: EventRecord | null;
}
