/**
 * Cross-checks: what the processes recorded for themselves, held against the history. The workers'
 * journals say which requests were answered how and when; /metrics says what the orchestrator
 * counted. Pure, like checks.ts.
 */
import { parseMetrics } from '../../helpers.ts';
import {
  type CheckInput,
  type CheckName,
  type EventRecord,
  type JournalEntry,
  type LeaseSpan,
  unanswered,
  type Violation,
} from './records.ts';

/** Where a completion of `status` may take a running job. */
function outcomeFits(entry: JournalEntry, to: string | null): boolean {
  if (entry.status === to) return true;
  // A retryable failure goes back to pending; after a cancel request, it and a question end cancelled.
  if (entry.status === 'failed' && entry.retryable) return to === 'pending' || to === 'cancelled';
  return entry.status === 'awaiting_input' && to === 'cancelled';
}

type Report = (check: CheckName, detail: string) => void;

/**
 * The workers' side of fencing. Every answered request is held against the history: a lease a
 * worker was granted is the one the history shows for that attempt and worker; an accepted
 * heartbeat, release or completion was sent while its lease was live; an accepted completion is the
 * one that ended its attempt, and a repeat of it answers 200 with nothing changed; a late report is
 * never accepted. Conversely, a completion the history credits to a live worker is in its journal.
 */
export function checkJournal(
  input: CheckInput,
  byJob: Map<string, EventRecord[]>,
  leases: Map<string, LeaseSpan[]>,
): Violation[] {
  const out: Violation[] = [];
  const tokens = new Map<string, string>();
  for (const entry of input.journal) {
    const bad: Report = (check, detail) => {
      const what = `${entry.worker} ${entry.kind} attempt ${entry.attempt} (${entry.purpose})`;
      out.push({ check, job_id: entry.job_id, detail: `${what}: ${detail}` });
    };
    // A token names one attempt: two tokens for one attempt would be two leases.
    const key = `${entry.job_id}#${entry.attempt}`;
    if ((tokens.get(key) ?? entry.token) !== entry.token) bad('fencing', 'two tokens for one attempt');
    tokens.set(key, entry.token);
    if (unanswered(entry)) continue;
    const lease = leases.get(entry.job_id)?.find((span) => span.attempt === entry.attempt);
    if (lease) checkEntry(entry, lease, byJob.get(entry.job_id) ?? [], bad);
    else if (entry.http === 200) bad('fencing', 'accepted, but the history has no lease for this attempt');
  }
  return [...out, ...checkCompletionsJournalled(input)];
}

function checkEntry(
  entry: JournalEntry,
  lease: LeaseSpan,
  events: readonly EventRecord[],
  bad: Report,
): void {
  if (entry.http === 200 && lease.start.actor !== entry.worker)
    bad('fencing', `accepted, but the history gives this attempt to ${lease.start.actor}`);
  if (entry.kind === 'complete') {
    checkCompletion(entry, lease, events, bad);
    return;
  }
  if (entry.kind === 'claim' || entry.http !== 200) return;
  if (lease.end && entry.sent_at > lease.end.at)
    bad('fencing', `accepted though sent at ${entry.sent_at}, after the lease ended at ${lease.end.at}`);
  if (entry.kind === 'release' && lease.end?.type !== 'released')
    bad('fencing', `accepted, but the lease ended by ${lease.end?.type}`);
}

/**
 * Every completion the history credits to a worker was answered 200 in that worker's journal,
 * unless the worker was SIGKILLed (it may have died before writing) or never got its answer.
 */
function checkCompletionsJournalled(input: CheckInput): Violation[] {
  const killed = new Set(input.killedWorkers);
  const seen = new Set(
    input.journal
      .filter((e) => e.kind === 'complete' && (e.http === 200 || unanswered(e)))
      .map((e) => `${e.job_id}#${e.attempt}@${e.worker}`),
  );
  return input.events
    .filter((event) => event.type === 'completed' && event.from_status === 'running')
    .filter(
      (event) => !killed.has(event.actor) && !seen.has(`${event.job_id}#${event.attempt}@${event.actor}`),
    )
    .map((event) => ({
      check: 'fencing',
      job_id: event.job_id,
      detail: `event #${event.seq}: completion by ${event.actor} that no journal shows accepted`,
    }));
}

function checkCompletion(
  entry: JournalEntry,
  lease: LeaseSpan,
  events: readonly EventRecord[],
  bad: Report,
): void {
  const end = lease.end;
  const endedByThis =
    end?.type === 'completed' && end.actor === entry.worker && outcomeFits(entry, end.to_status);
  if (entry.purpose === 'late' && entry.http === 200)
    bad('fencing', 'a report after the lease was reaped was accepted');
  if (entry.http === 200) {
    if (!end || !endedByThis) bad('fencing', `accepted, but the attempt ended by ${end?.type ?? 'nothing'}`);
    else if (entry.job_version !== end.version || entry.job_status !== end.to_status)
      bad(
        'duplicate',
        `answered v${entry.job_version} ${entry.job_status}; the completion recorded v${end.version} ${end.to_status}`,
      );
    return;
  }
  if (!end || !endedByThis) return;
  // A repeat of the completion that ended the attempt: 200, unless the token went stale since
  // (the job was handed back to pending, or moved on afterwards).
  const movedOn = end.to_status === 'pending' || events.some((event) => event.seq > end.seq);
  if (!movedOn || entry.code !== 'stale_lease') {
    const detail = `repeat of the accepted completion (event #${end.seq}, ${end.to_status}) answered ${entry.http} ${entry.code}`;
    bad('duplicate', detail);
  }
}

/** Parses Prometheus text into `name{labels}` -> value. */
/**
 * /metrics against the history. Job gauges and transition counters are stored in the database with
 * the history, so they must match exactly across restarts. Refusal counters live in the process, so
 * the last process must have counted at least the stale-lease refusals journalled as its answers.
 */
export function checkMetrics(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  const metrics = parseMetrics(input.metrics);
  const expect = new Map<string, number>();
  const add = (key: string) => expect.set(key, (expect.get(key) ?? 0) + 1);
  for (const job of input.jobs) add(`baton_jobs{status="${job.status}"}`);
  for (const event of input.events) {
    const to = event.to_status ?? '';
    add(`baton_transitions_total{type="${event.type}",to="${to}"}`);
    if (event.type === 'created') add('baton_jobs_created_total');
    if (event.type === 'claimed') add('baton_claims_total');
    if (event.type === 'completed') add(`baton_completions_total{status="${to}"}`);
    if (event.type === 'expired') add(`baton_lease_expiries_total{outcome="${to}"}`);
  }
  const families = [
    'baton_jobs{',
    'baton_transitions_total',
    'baton_jobs_created_total',
    'baton_claims_total',
  ];
  families.push('baton_completions_total', 'baton_lease_expiries_total');
  const keys = new Set([
    ...expect.keys(),
    ...[...metrics.keys()].filter((k) => families.some((f) => k.startsWith(f))),
  ]);
  for (const key of keys) {
    const want = expect.get(key) ?? 0;
    const got = metrics.get(key) ?? 0;
    if (want !== got) out.push({ check: 'metrics', detail: `${key} is ${got}; the history says ${want}` });
  }
  const { url, readyAt } = input.lastServer;
  const stale = input.journal.filter(
    (e) => e.code === 'stale_lease' && e.url === url && e.sent_at >= readyAt,
  ).length;
  const counted = metrics.get('baton_conflicts_total{code="stale_lease"}') ?? 0;
  if (counted < stale) {
    out.push({
      check: 'metrics',
      detail: `baton_conflicts_total{stale_lease} is ${counted}; the journals saw ${stale}`,
    });
  }
  return out;
}
