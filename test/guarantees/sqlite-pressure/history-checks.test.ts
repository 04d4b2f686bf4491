/** The checks the SQLite-pressure runs rely on must themselves be able to fail. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobStatus } from '../../../src/orchestrator/models/job.ts';
import { checkHistory } from './history-checks.ts';

const REPO = '/srv/repos/app';

const job = (id: string, status: JobStatus, version = 9) => ({
  id,
  status,
  version,
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
  actor: 'w',
  reason: null,
  at: seq,
});

describe('the history checks of these tests', () => {
  it('report a double claim, an illegal move, two jobs holding one branch, and a dependency claimed early', () => {
    const events = [
      event(1, 'x', 'created', null, 'pending', 0),
      event(2, 'y', 'created', null, 'pending', 0),
      event(3, 'x', 'claimed', 'pending', 'running'),
      event(4, 'y', 'claimed', 'pending', 'running'),
      event(5, 'x', 'completed', 'running', 'done'),
      event(6, 'x', 'claimed', 'done', 'running'),
      event(7, 'y', 'completed', 'running', 'done'),
    ];
    const found = checkHistory([job('x', 'running'), job('y', 'done')], events, [
      { job_id: 'y', depends_on: 'x' },
    ]).join('\n');
    assert.match(found, /^history: job x: .*illegal transition done -> running/m);
    assert.match(found, /^lease: job x: .*attempt 1 does not follow 1/m);
    assert.match(found, /^branch: job y: .*took \/srv\/repos\/app#b while job x held it/m);
    assert.match(found, /^history: job y: claimed at seq 4 before its dependency x was done/m);
  });

  it('report a history that does not open with its creation, and a row its history does not explain', () => {
    const events = [event(1, 'z', 'claimed', 'pending', 'running')];
    const found = checkHistory([job('z', 'done', 1)], events, []).join('\n');
    assert.match(found, /^history: job z: .*history does not open with created -> pending/m);
    assert.match(found, /^terminal: job z: row is done v1 but its last event says running v1/m);
  });

  it('find nothing wrong with a clean history', () => {
    const events = [
      event(1, 'x', 'created', null, 'pending', 0),
      event(2, 'x', 'claimed', 'pending', 'running'),
      event(3, 'x', 'completed', 'running', 'done'),
    ];
    assert.deepEqual(checkHistory([job('x', 'done', 4)], events, []), []);
  });
});
