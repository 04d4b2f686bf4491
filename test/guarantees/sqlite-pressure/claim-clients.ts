/**
 * The clients of the two-process run: plain HTTP workers that claim (long polls and plain claims)
 * through one orchestrator process and complete through either, plus an "abandoner" that claims
 * with a short lease and walks away. Everything they were told is written to a shared journal, so
 * the test can hold the answers against the database afterwards.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { requestJson as call, type ApiResponse as Reply } from '../../helpers.ts';

export interface ClaimRecord {
  job_id: string;
  attempt: number;
  token: string;
  client: string;
}

export interface CompletionRecord {
  job_id: string;
  attempt: number;
  /** `first`: the attempt's completion; `duplicate`: the same one again; `late`: an abandoned lease's. */
  kind: 'first' | 'duplicate' | 'late';
  status: number;
  code: string | undefined;
  version: number | undefined;
}

export interface Journal {
  claims: ClaimRecord[];
  completions: CompletionRecord[];
  /** 503 answers (retried); the run expects none, since a waiting writer waits for the lock. */
  unavailable: number;
}

export const newJournal = (): Journal => ({ claims: [], completions: [], unavailable: 0 });

export interface ClientOptions {
  name: string;
  claimUrl: string;
  otherUrl: string;
  longPoll: boolean;
  journal: Journal;
  stopped: () => boolean;
}

/** A job whose first attempt reports a retryable failure, so it is claimed again. */
export const FAIL_FIRST = 'fail-first';

function record(journal: Journal, job: any, kind: CompletionRecord['kind'], reply: Reply): void {
  journal.completions.push({
    job_id: job.id,
    attempt: job.attempt,
    kind,
    status: reply.status,
    code: reply.body?.code,
    version: reply.body?.version,
  });
}

/** A 503 changed nothing (the write did not happen), so the same request is simply sent again. */
async function sendUntilStored(journal: Journal, send: () => Promise<Reply>): Promise<Reply> {
  for (;;) {
    const reply = await send();
    if (reply.status !== 503) return reply;
    journal.unavailable += 1;
    await sleep(50);
  }
}

export async function runClient(options: ClientOptions): Promise<void> {
  const { name, journal } = options;
  const query = `worker_id=${name}${options.longPoll ? '&wait_ms=1000' : ''}`;
  let finished = 0;
  while (!options.stopped()) {
    const claimed = await call(options.claimUrl, 'POST', `/jobs/claim?${query}`);
    if (claimed.status === 404) {
      if (!options.longPoll) await sleep(20);
      continue;
    }
    if (claimed.status === 503) {
      journal.unavailable += 1;
      continue;
    }
    if (claimed.status !== 200)
      throw new Error(`${name}: claim answered ${claimed.status} ${JSON.stringify(claimed.body)}`);
    const job = claimed.body;
    journal.claims.push({ job_id: job.id, attempt: job.attempt, token: job.lease_token, client: name });
    finished += 1;
    // Half the completions go through the process that did not grant the lease.
    const via = finished % 2 === 0 ? options.otherUrl : options.claimUrl;
    const failing = job.spec_json.notes === FAIL_FIRST && job.attempt === 1;
    const body = failing
      ? { lease_token: job.lease_token, status: 'failed', retryable: true, result_summary: { by: name } }
      : { lease_token: job.lease_token, status: 'done', result_summary: { by: name, attempt: job.attempt } };
    const path = `/jobs/${job.id}/complete`;
    record(journal, job, 'first', await sendUntilStored(journal, () => call(via, 'POST', path, body)));
    if (!failing && finished % 4 === 0) {
      // A retried completion (a lost answer, say) through the other process: answered, changes nothing.
      // (Not after a retryable failure: that sends the job back to pending and retires the token.)
      const other = via === options.claimUrl ? options.otherUrl : options.claimUrl;
      record(
        journal,
        job,
        'duplicate',
        await sendUntilStored(journal, () => call(other, 'POST', path, body)),
      );
    }
  }
}

/** Claims `count` jobs (which must be claimable now) with a 1 s lease and never reports back. */
export async function abandonJobs(url: string, count: number, journal: Journal): Promise<ClaimRecord[]> {
  const taken: ClaimRecord[] = [];
  while (taken.length < count) {
    const claimed = await call(url, 'POST', '/jobs/claim?worker_id=abandoner&lease_ms=1000');
    if (claimed.status === 200) {
      const job = claimed.body;
      const claim = { job_id: job.id, attempt: job.attempt, token: job.lease_token, client: 'abandoner' };
      journal.claims.push(claim);
      taken.push(claim);
    } else {
      throw new Error(`abandoner: claim answered ${claimed.status} ${JSON.stringify(claimed.body)}`);
    }
  }
  return taken;
}

/** The abandoned leases' workers come back and report done: each must be fenced off. */
export async function completeLate(
  url: string,
  taken: readonly ClaimRecord[],
  journal: Journal,
): Promise<void> {
  for (const claim of taken) {
    const reply = await call(url, 'POST', `/jobs/${claim.job_id}/complete`, {
      lease_token: claim.token,
      status: 'done',
    });
    record(journal, { id: claim.job_id, attempt: claim.attempt }, 'late', reply);
  }
}
