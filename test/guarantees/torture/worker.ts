/**
 * A plain HTTP worker process for the torture run (no agents): claims with a short lease, sometimes
 * heartbeats, and completes each job with an outcome drawn from its seed. On purpose it also sends
 * duplicate completions and late ones (after its lease was reaped). Every lease-bearing request it
 * makes is appended to a JSONL journal the harness checks against the database afterwards.
 *
 * Run: node --import tsx worker.ts '<WorkerConfig as JSON>'. It reads the orchestrator's URL from
 * `urlFile` and re-reads it after a connection error, so it follows the orchestrator across restarts.
 * SIGTERM stops it after its lanes' current requests.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from './faults.ts';
import { type JournalEntry, type Purpose, type RequestKind, unanswered } from './records.ts';

export interface WorkerConfig {
  id: string;
  seed: number;
  urlFile: string;
  journal: string;
  leaseMs: number;
  /** Concurrent claim loops in this one process. */
  lanes: number;
  duplicateChance: number;
  lateChance: number;
}

interface Answer {
  http: number | null;
  body: any;
}

interface Lease {
  id: string;
  attempt: number;
  token: string;
  followUps: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const rng = new Rng(config.seed);
const stopping = new AbortController();
// Besides the chances, each worker sends one late and one duplicate completion early on, so even a
// short run has some of both.
const forcedLate = rng.int(2, 12);
const forcedDuplicate = rng.int(2, 12);
let handled = 0;
let duplicated = false;
let url = '';

const readUrl = (): string => {
  try {
    return readFileSync(config.urlFile, 'utf8').trim();
  } catch {
    return '';
  }
};

// node:http with kept-alive sockets: about half the CPU of fetch per request on Node 20, and the
// workers' CPU is most of the run's.
const agent = new Agent({ keepAlive: true });

/** One HTTP call; a connection error answers `http: null` and makes the next call re-read the URL. */
async function call(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Answer> {
  if (!url) url = readUrl();
  const answer = await new Promise<Answer>((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const fail = () => resolve({ http: null, body: null });
    let request: ReturnType<typeof httpRequest>;
    try {
      request = httpRequest(
        `${url}${path}`,
        { method, agent, timeout: timeoutMs, signal: stopping.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ http: res.statusCode ?? null, body: text ? JSON.parse(text) : null });
            } catch {
              resolve({ http: res.statusCode ?? null, body: null });
            }
          });
        },
      );
    } catch {
      fail(); // No URL yet, or an unusable one.
      return;
    }
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', fail);
    request.end(payload);
  });
  if (answer.http === null) url = readUrl();
  return answer;
}

/** A lease-bearing request, journalled with the time it was sent and answered. */
async function leaseCall(
  kind: RequestKind,
  lease: Lease,
  path: string,
  body: Record<string, unknown>,
  purpose: Purpose,
): Promise<Answer> {
  const sentAt = Date.now();
  const sentTo = url || readUrl();
  const answer = await call('POST', path, { ...body, lease_token: lease.token });
  const entry: JournalEntry = {
    kind,
    worker: config.id,
    job_id: lease.id,
    attempt: lease.attempt,
    token: lease.token,
    status: typeof body.status === 'string' ? body.status : null,
    retryable: body.retryable === true,
    purpose,
    url: sentTo,
    sent_at: sentAt,
    received_at: Date.now(),
    http: answer.http,
    code: answer.body?.code ?? null,
    job_status: answer.body?.status ?? null,
    job_version: answer.body?.version ?? null,
    cancel_requested: answer.body?.cancel_requested ?? null,
  };
  appendFileSync(config.journal, `${JSON.stringify(entry)}\n`);
  return answer;
}

/**
 * A completion is resent while it gets no answer (a connection error, or a 5xx from a server that
 * is stopping): a repeat is safe, the same token and status are answered 200 if the first landed.
 */
async function complete(lease: Lease, body: Record<string, unknown>, purpose: Purpose): Promise<Answer> {
  let answer = await leaseCall('complete', lease, `/jobs/${lease.id}/complete`, body, purpose);
  for (let tries = 0; unanswered(answer) && tries < 300 && !stopping.signal.aborted; tries++) {
    await sleep(100);
    answer = await leaseCall('complete', lease, `/jobs/${lease.id}/complete`, body, 'retry');
  }
  return answer;
}

/** Waits until the job is no longer running under this lease (the reaper took it back). */
async function waitUntilReaped(lease: Lease): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !stopping.signal.aborted) {
    const { http, body } = await call('GET', `/jobs/${lease.id}`);
    if (http === 200 && (body.status !== 'running' || body.attempt !== lease.attempt)) return true;
    await sleep(150);
  }
  return false;
}

function pickOutcome(lease: Lease): Record<string, unknown> {
  const roll = rng.next();
  // A job asks a question at most once, so the harness's answer always leads to an end.
  if (roll < 0.1 && lease.followUps === 0) return { status: 'awaiting_input' };
  if (roll < 0.2) return { status: 'failed', retryable: true, result_summary: { note: 'flaky' } };
  if (roll < 0.25) return { status: 'failed', result_summary: { note: 'broken' } };
  return { status: 'done', result_summary: { note: 'ok' } };
}

/** Works for `ms`, heartbeating every third of a lease. Returns why it stopped early, if it did. */
async function work(lease: Lease, ms: number, heartbeats: boolean): Promise<'stale' | 'cancel' | null> {
  const end = Date.now() + ms;
  const beat = Math.floor(config.leaseMs / 3);
  let first = true;
  while (Date.now() < end || (heartbeats && first)) {
    await sleep(Math.max(0, Math.min(beat, end - Date.now())));
    if (!heartbeats) continue;
    first = false;
    const answer = await leaseCall('heartbeat', lease, `/jobs/${lease.id}/heartbeat`, {}, 'normal');
    if (answer.http === 409) return 'stale';
    if (answer.body?.cancel_requested === true) return 'cancel';
  }
  return null;
}

async function handle(lease: Lease): Promise<void> {
  handled += 1;
  if (handled === forcedLate || rng.chance(config.lateChance)) {
    // Go quiet past the lease, then report as if nothing happened: must be refused as stale.
    const reaped = await waitUntilReaped(lease);
    await complete(lease, { status: 'done' }, reaped ? 'late' : 'normal');
    return;
  }
  const long = rng.chance(0.015);
  const stop = await work(lease, long ? rng.int(1600, 2200) : rng.int(0, 12), long || rng.chance(0.25));
  if (stop === 'stale') return;
  if (stop === 'cancel') {
    if (rng.chance(0.5)) await complete(lease, { status: 'cancelled' }, 'normal');
    else await leaseCall('release', lease, `/jobs/${lease.id}/release`, { reason: 'cancel seen' }, 'normal');
    return;
  }
  const outcome = pickOutcome(lease);
  const answer = await complete(lease, outcome, 'normal');
  const duplicate = handled >= forcedDuplicate && !duplicated ? true : rng.chance(config.duplicateChance);
  if (answer.http === 200 && duplicate) {
    duplicated = true;
    await complete(lease, outcome, 'duplicate');
  }
}

async function lane(): Promise<void> {
  const claimPath = `/jobs/claim?worker_id=${config.id}&wait_ms=2000&lease_ms=${config.leaseMs}`;
  while (!stopping.signal.aborted) {
    const sentAt = Date.now();
    const sentTo = url || readUrl();
    const { http, body } = await call('POST', claimPath, undefined, 15_000);
    if (http !== 200) {
      // Nothing claimable answers 404 after the long poll; anything else (a restart) is worth a pause.
      if (http !== 404) await sleep(50 + rng.int(0, 50));
      continue;
    }
    const lease: Lease = {
      id: body.id,
      attempt: body.attempt,
      token: body.lease_token,
      followUps: body.spec_json?.follow_ups?.length ?? 0,
    };
    const entry: JournalEntry = {
      kind: 'claim',
      worker: config.id,
      job_id: lease.id,
      attempt: lease.attempt,
      token: lease.token,
      status: null,
      retryable: false,
      purpose: 'normal',
      url: sentTo,
      sent_at: sentAt,
      received_at: Date.now(),
      http,
      code: null,
      job_status: body.status,
      job_version: body.version,
      cancel_requested: null,
    };
    appendFileSync(config.journal, `${JSON.stringify(entry)}\n`);
    await handle(lease);
  }
}

process.once('SIGTERM', () => stopping.abort());
// The harness holds the other end of the IPC channel: if it dies, so does this worker's purpose.
process.once('disconnect', () => stopping.abort());
process.once('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(
    `${config.id} cpu user=${(user / 1000).toFixed(0)}ms system=${(system / 1000).toFixed(0)}ms\n`,
  );
});
// A stuck stop must not hold the harness: leave after a grace period whatever is in flight.
stopping.signal.addEventListener('abort', () => setTimeout(() => process.exit(0), 3_000).unref());
await Promise.all(Array.from({ length: config.lanes }, () => lane()));
// Every journal line is written synchronously, so nothing is left to flush; kept-alive sockets and
// the IPC channel would otherwise hold the process open.
process.exit(0);
