/**
 * The lease reaper: a loop in the server that expires leases nobody renewed. It sleeps until the
 * earliest lease expiry (at most `maxSleepMs`, so leases granted by other processes are seen too).
 */
import type { Job } from './models/job.ts';
import type { Store } from './store/store.ts';

export interface ReaperOptions {
  store: Store;
  now: () => number;
  maxSleepMs?: number;
  onReaped?: (job: Job) => void;
  onError?: (error: unknown) => void;
}

export class Reaper {
  readonly #options: ReaperOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = true;

  constructor(options: ReaperOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One pass: expire what is due now. Safe to call at any time, also concurrently with claims. */
  async runOnce(): Promise<Job[]> {
    const reaped = await this.#options.store.reapExpired();
    for (const job of reaped) this.#options.onReaped?.(job);
    return reaped;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const maxSleep = this.#options.maxSleepMs ?? 1000;
    let sleep = maxSleep;
    try {
      await this.runOnce();
      const next = await this.#options.store.nextLeaseExpiry();
      if (next !== null) sleep = Math.max(10, Math.min(maxSleep, next - this.#options.now() + 1));
    } catch (error) {
      this.#options.onError?.(error);
    } finally {
      this.#running = false;
    }
    this.#schedule(sleep);
  }
}
