/** Small helpers shared by the store contract cases. */
import assert from 'node:assert/strict';
import { BatonError } from '../../../src/orchestrator/models/errors.ts';
import type { Job, JobStatus } from '../../../src/orchestrator/models/job.ts';
import type { Store } from '../../../src/orchestrator/store/store.ts';

export const rejectsWith = async (promise: Promise<unknown>, code: string): Promise<BatonError> => {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BatonError, `expected a BatonError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
};

/** Brings a fresh job (on its own worker type and branch) into `status` through the store's verbs. */
export async function jobIn(store: Store, status: JobStatus, tag: string): Promise<Job> {
  const { job: created } = await store.createJob({
    repo_url: '/srv/repos/app',
    spec_json: { prompt: `job ${tag}` },
    worker_type: tag,
    branch_name: `b/${tag}`,
  });
  if (status === 'pending') return created;
  if (status === 'cancelled') return store.cancel(created.id);
  const claimed = await store.claim({ workerType: tag, workerId: 'w', leaseMs: 10_000 });
  assert.ok(claimed);
  if (status === 'running') return claimed;
  return store.complete(created.id, { status, leaseToken: claimed.lease_token as string });
}
