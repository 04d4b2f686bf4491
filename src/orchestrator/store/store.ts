/**
 * The Store: every durable thing Baton knows, behind domain verbs. Adapters (SQLite now,
 * PostgreSQL later) implement it; `test/orchestrator/store/store-contract.ts` holds the contract
 * that each must pass. No SQL, connection or transaction type appears here.
 *
 * Every verb that changes a job is one transaction: load, decide (models/lifecycle.ts),
 * compare-and-set on `status` and `version`, append the event row. Verbs throw the typed errors of
 * models/errors.ts.
 */
import type { CompletionStatus, Job, JobStatus } from '../models/job.ts';
import type { EventType, ReleaseOptions } from '../models/lifecycle.ts';
import type { NewJob } from '../models/new-job.ts';

export type { NewJob } from '../models/new-job.ts';

export interface CreateOptions {
  /** The same key with the same body returns the first job; with another body, a conflict. */
  idempotencyKey?: string;
}

export interface CreateResult {
  job: Job;
  /** False when an idempotency key matched an earlier creation. */
  created: boolean;
}

export interface JobFilter {
  statuses?: JobStatus[];
  worker_type?: string;
  feature_id?: string;
  limit: number;
  /** The `seq` of the last job of the previous page: the next page is older than it. */
  before?: number;
}

export interface JobPage {
  jobs: Job[];
  /** Pass as `before` for the next page; null on the last page. */
  next: number | null;
}

export interface JobEvent {
  seq: number;
  job_id: string;
  type: EventType;
  from_status: JobStatus | null;
  to_status: JobStatus | null;
  version: number;
  attempt: number;
  actor: string;
  reason: string | null;
  at: number;
}

export interface ClaimRequest {
  workerType: string;
  workerId: string;
  leaseMs: number;
}

/** `expectedVersion` is an optimistic lock from an `If-Match` header: refused with 412 on mismatch. */
export interface Guard {
  expectedVersion?: number;
}

export interface CompleteRequest extends Guard {
  status: CompletionStatus;
  result_summary?: unknown;
  conversation_id?: string | null;
  leaseToken?: string;
  retryable?: boolean;
}

export interface LogEntry {
  stream: string;
  text: string;
}

export interface StoredLogEntry extends LogEntry {
  seq: number;
  attempt: number;
  at: number;
}

export interface CleanupRequest {
  statuses: JobStatus[];
  /** Only jobs last updated before this time. */
  updatedBefore: number;
}

export interface StoreStats {
  jobsByStatus: Record<JobStatus, number>;
  /** Events by type and target status, counted in the same transactions that append them. */
  eventCounts: Array<{ type: EventType; to_status: JobStatus | null; count: number }>;
}

export type ChangeListener = (event: JobEvent) => void;

export interface Store {
  createJob(input: NewJob, options?: CreateOptions): Promise<CreateResult>;
  getJob(id: string): Promise<Job>;
  listJobs(filter: JobFilter): Promise<JobPage>;
  jobEvents(id: string): Promise<JobEvent[]>;
  /** History of all jobs after `afterSeq`, oldest first: what the live event stream replays. */
  eventsAfter(afterSeq: number, limit: number): Promise<JobEvent[]>;

  /** Takes the first claimable job (claim rules in DESIGN.md) or returns undefined. */
  claim(request: ClaimRequest): Promise<Job | undefined>;
  heartbeat(id: string, leaseToken: string): Promise<Job>;
  complete(id: string, request: CompleteRequest): Promise<Job>;
  release(id: string, leaseToken: string, options?: ReleaseOptions): Promise<Job>;
  cancel(id: string, guard?: Guard): Promise<Job>;
  continueJob(id: string, prompt: string, guard?: Guard): Promise<Job>;
  retry(id: string, guard?: Guard): Promise<Job>;
  /** The seed's verb: any legal move, optionally only from `expectedStatus`. */
  updateJobStatus(
    id: string,
    status: JobStatus,
    resultSummary?: unknown,
    expectedStatus?: JobStatus,
  ): Promise<Job>;
  deleteJob(id: string, guard?: Guard): Promise<void>;
  cleanup(request: CleanupRequest): Promise<number>;

  appendLogs(id: string, entries: LogEntry[], leaseToken?: string): Promise<{ last_seq: number }>;
  readLogs(id: string, afterSeq: number, limit: number): Promise<StoredLogEntry[]>;

  /** Moves every running job whose lease ran out; returns the jobs as they now are. */
  reapExpired(): Promise<Job[]>;
  /** The earliest lease expiry among running jobs, so the reaper can sleep until then. */
  nextLeaseExpiry(): Promise<number | null>;
  stats(): Promise<StoreStats>;

  /** Called after each committed event of this process's writes. Returns an unsubscribe. */
  onChange(listener: ChangeListener): () => void;
  close(): Promise<void>;
}
