/**
 * Long-poll claims. A claim that finds nothing waits for the store to report a change (in this
 * process) or for a short re-check interval (which catches `run_at` coming due and writes from
 * other processes sharing the database), then tries again, until its wait runs out.
 */
import type { Job } from './models/job.ts';
import type { ClaimRequest, Store } from './store/store.ts';

export interface ClaimWaiter {
  claim(request: ClaimRequest, waitMs: number, signal: AbortSignal): Promise<Job | undefined>;
}

export function createClaimWaiter(store: Store, recheckMs = 500): ClaimWaiter {
  const waiters = new Set<() => void>();
  store.onChange(() => {
    // Every waiter retries; all but one find nothing and wait again. Cheap at worker-pool sizes.
    for (const wake of [...waiters]) wake();
  });

  const nextChange = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });

  return {
    async claim(request, waitMs, signal) {
      const deadline = performance.now() + waitMs;
      for (;;) {
        // Never claim for a client that has already gone.
        if (signal.aborted) return undefined;
        const job = await store.claim(request);
        if (job) {
          if (!signal.aborted) return job;
          // The client left while the claim was being written: hand the job straight back, and
          // give the attempt back too, since no worker ever saw it.
          if (job.lease_token) {
            await store.release(job.id, job.lease_token, {
              reason: 'claimant disconnected',
              refundAttempt: true,
            });
          }
          return undefined;
        }
        const remaining = deadline - performance.now();
        if (remaining <= 0 || signal.aborted) return undefined;
        await nextChange(Math.min(remaining, recheckMs), signal);
      }
    },
  };
}
