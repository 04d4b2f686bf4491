import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatonError } from '../../../src/orchestrator/models/errors.ts';
import {
  assertTransition,
  canTransition,
  JOB_STATUSES,
  type JobStatus,
} from '../../../src/orchestrator/models/job.ts';
import { LEGAL } from '../../design-table.ts';

describe('the transition table', () => {
  it('has exactly the six statuses of the design', () => {
    assert.deepEqual([...JOB_STATUSES].sort(), [
      'awaiting_input',
      'cancelled',
      'done',
      'failed',
      'pending',
      'running',
    ]);
  });

  for (const from of JOB_STATUSES) {
    for (const to of JOB_STATUSES) {
      const legal = LEGAL.has(`${from}>${to}`);
      it(`${legal ? 'allows' : 'refuses'} ${from} -> ${to}`, () => {
        assert.equal(canTransition(from, to), legal);
        if (legal) {
          assert.doesNotThrow(() => assertTransition('job-1', from, to));
        } else {
          assert.throws(
            () => assertTransition('job-1', from, to),
            (error: unknown) =>
              error instanceof BatonError &&
              error.code === 'invalid_transition' &&
              error.details.status === from &&
              error.details.target === to &&
              error.message.includes(from),
          );
        }
      });
    }
  }

  it('never allows done -> running or pending -> done', () => {
    const never: Array<[JobStatus, JobStatus]> = [
      ['done', 'running'],
      ['pending', 'done'],
    ];
    for (const [from, to] of never) assert.equal(canTransition(from, to), false);
  });
});
