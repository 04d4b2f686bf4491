/**
 * A worker: `concurrency` slots, each long-polling the orchestrator for a job and running it. Stopping
 * ends the polls at once, lets running jobs finish for a grace period, then stops their agents and
 * hands the jobs back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatonConnectionError } from '../client/errors.ts';
import { describe, type JobRunnerDeps, runJob } from './run-job.ts';

export interface WorkerOptions extends JobRunnerDeps {
  workerType: string;
  concurrency: number;
  /** How long one claim request waits for a job (a long poll). */
  pollWaitMs?: number;
  /** Lease length asked for at claim; the orchestrator's default when absent. */
  leaseMs?: number;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export class Worker {
  readonly #options: WorkerOptions;
  readonly #polls = new AbortController();
  readonly #shutdown = new AbortController();
  #slots: Promise<void>[] = [];

  constructor(options: WorkerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#slots.length > 0) throw new Error('worker already started');
    for (let slot = 0; slot < this.#options.concurrency; slot++) this.#slots.push(this.#slot(slot));
  }

  /**
   * Stops claiming at once; running jobs get `graceMs` to finish, then their agents are stopped and
   * the jobs released. Resolves when every slot has ended.
   */
  async stop(graceMs: number): Promise<void> {
    this.#polls.abort();
    const all = Promise.all(this.#slots);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, graceOver]);
    clearTimeout(timer);
    this.#shutdown.abort();
    await all;
  }

  async #slot(slot: number): Promise<void> {
    const { client, workerId, workerType, say } = this.#options;
    let backoff = RETRY_MIN_MS;
    while (!this.#polls.signal.aborted) {
      let job: Awaited<ReturnType<typeof client.claim>>;
      try {
        job = await client.claim({
          workerType,
          workerId,
          waitMs: this.#options.pollWaitMs ?? 30_000,
          ...(this.#options.leaseMs ? { leaseMs: this.#options.leaseMs } : {}),
          signal: this.#polls.signal,
        });
        backoff = RETRY_MIN_MS;
      } catch (error) {
        if (this.#polls.signal.aborted) break;
        const what = error instanceof BatonConnectionError ? 'orchestrator unreachable' : describe(error);
        say(`slot ${slot}: claim failed (${what}); retrying`);
        await sleep(backoff, undefined, { signal: this.#polls.signal }).catch(() => {});
        backoff = Math.min(RETRY_MAX_MS, backoff * 2);
        continue;
      }
      if (!job) continue;
      say(`slot ${slot}: running job ${job.id} (attempt ${job.attempt})`);
      try {
        const end = await runJob(job, this.#options, this.#shutdown.signal);
        say(`slot ${slot}: job ${job.id} ended ${end}`);
      } catch (error) {
        say(`slot ${slot}: job ${job.id} failed in the worker: ${describe(error)}`);
      }
    }
  }
}
