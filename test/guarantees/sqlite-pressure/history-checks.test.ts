/** The checks the SQLite-pressure runs rely on must themselves be able to fail. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobStatus } from '../../../src/orchestrator/models/job.ts';
import { checkHistory } from './history-checks.ts';

const REPO = '/srv/repos/app';

describe('the history checks of these tests', () => {
  it('report a double claim, an illegal move and two jobs holding one branch at once', () => {
    const job = (id: string, status: JobStatus) => ({
      id,
      status,
      version: 9,
      attempt: 1,
      repo_url: REPO,
      branch_name: 'b',
    });
    const event = (
      seq: number,
      job_id: string,
      type: string,
      from: JobStatus | null,
      to: JobStatus,
      attempt = 1,
    ) => ({
      seq,
      job_id,
      type,
      from_status: from,
      to_status: to,
      version: seq,
      attempt,
    });
    const events = [
      event(1, 'x', 'created', null, 'pending', 0),
      event(2, 'y', 'created', null, 'pending', 0),
      event(3, 'x', 'claimed', 'pending', 'running'),
      event(4, 'y', 'claimed', 'pending', 'running'),
      event(5, 'x', 'completed', 'running', 'done'),
      event(6, 'x', 'claimed', 'done', 'running'),
      event(7, 'y', 'completed', 'running', 'done'),
    ];
    const violations = checkHistory([job('x', 'running'), job('y', 'done')], events, []);
    assert.ok(
      violations.some((v) => v.includes('illegal done -> running')),
      violations.join('\n'),
    );
    assert.ok(
      violations.some((v) => v.includes('claimed as attempt 1 after 1')),
      violations.join('\n'),
    );
    assert.ok(
      violations.some((v) => v.includes('took it at seq 4')),
      violations.join('\n'),
    );
  });
});
