/**
 * Keeps a claimed job's lease alive by heartbeating at a third of its length (at least every 5 s, so
 * a cancel is seen within seconds even under long leases), and turns the answers into stop reasons:
 * a requested cancel, or a lease that is no longer ours.
 */
import { BatonApiError } from '../client/errors.ts';

export interface Heartbeater {
  heartbeat(id: string, leaseToken: string): Promise<{ lease_expires_at: string; cancel_requested: boolean }>;
}

export type LeaseStop = 'cancel' | 'lease_lost';

export interface LeaseKeeperOptions {
  client: Heartbeater;
  jobId: string;
  leaseToken: string;
  /** When the lease runs out (from the claim): the first heartbeat comes at a third of the time left. */
  leaseExpiresAt: string | null;
  onStop: (reason: LeaseStop) => void;
  onError?: (error: unknown) => void;
  now?: () => number;
}

const MIN_INTERVAL_MS = 200;
const MAX_INTERVAL_MS = 5_000;

export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #beat: Promise<void> | undefined;
  #cancelSeen = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    const now = options.now ?? Date.now;
    const left = options.leaseExpiresAt ? Date.parse(options.leaseExpiresAt) - now() : 60_000;
    this.#intervalMs = Math.max(MIN_INTERVAL_MS, Math.min(MAX_INTERVAL_MS, Math.floor(left / 3)));
  }

  start(): void {
    this.#schedule();
  }

  /** Stops heartbeating and waits for a heartbeat in flight, so nothing renews the lease afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#beat;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#beat = this.#heartbeat().finally(() => {
        this.#beat = undefined;
        this.#schedule();
      });
    }, this.#intervalMs);
  }

  async #heartbeat(): Promise<void> {
    const { client, jobId, leaseToken, onStop, onError } = this.#options;
    try {
      const answer = await client.heartbeat(jobId, leaseToken);
      if (answer.cancel_requested && !this.#cancelSeen) {
        this.#cancelSeen = true;
        onStop('cancel');
      }
    } catch (error) {
      if (
        error instanceof BatonApiError &&
        (error.code === 'stale_lease' || error.code === 'not_found' || error.code === 'invalid_transition')
      ) {
        this.#stopped = true;
        onStop('lease_lost');
        return;
      }
      // The orchestrator may be restarting: keep trying. If the lease runs out meanwhile, the next
      // answer is stale_lease and the run stops then.
      onError?.(error);
    }
  }
}
