/**
 * `baton worker` and `baton up` as real processes: a worker killed mid-job loses nothing, a worker
 * told to stop hands its job back, and one command on one machine takes a job from submit to commit.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitCode, runBaton, startBaton as startBatonProcess } from '../baton-process.ts';
import { tempDir } from '../helpers.ts';
import {
  type Baton,
  FAKE_CODEX,
  FAKE_COMMAND,
  GIT_ENV,
  git,
  makeOrigin,
  originBranches,
  startBaton,
  waitFor,
  waitForStatus,
} from './support.ts';

const workerArgs = (baton: Baton, name: string, extra: string[] = []) => [
  'worker',
  '--url',
  baton.url,
  '--id',
  name,
  '--concurrency',
  '1',
  '--worktrees',
  join(baton.dir, `worktrees-${name}`),
  '--codex-path',
  FAKE_CODEX,
  ...extra,
];

const agentEnv = (baton: Baton) => ({
  FAKE_AGENT_RECORD: baton.agentRecord,
  FAKE_AGENT_STATE: join(baton.dir, 'agent-state'),
  ...GIT_ENV,
});

describe('baton worker as a process', () => {
  let baton: Baton;
  before(async () => {
    baton = await startBaton({ leaseMs: 2_000 });
  });
  after(() => baton.close());

  it('loses nothing when killed with SIGKILL mid-job: the lease expires, another worker runs it, and it ends done exactly once', async () => {
    const job = await baton.submit('@sleep 4000\n@write result.txt finished\nSlow but steady', {
      max_attempts: 3,
    });
    const first = runBaton(workerArgs(baton, 'doomed'), agentEnv(baton));
    try {
      await waitFor('the first worker to hold the job', async () => {
        const now = await baton.client.getJob(job.id);
        return now.status === 'running' && now.lease_owner === 'doomed' ? now : undefined;
      });
      first.child.kill('SIGKILL');
      await exitCode(first.child);
    } finally {
      first.child.kill('SIGKILL');
    }
    const successor = baton.startWorker({ id: 'successor' });
    const done = await waitForStatus(baton.client, job.id, ['done', 'failed'], 60_000);
    assert.equal(done.status, 'done', JSON.stringify(done.result_summary));
    assert.equal(done.attempt, 2);
    assert.equal(done.lease_owner, 'successor');
    const events = await baton.client.jobEvents(job.id);
    assert.deepEqual(
      events.map((event) => [event.type, event.to_status, event.attempt]),
      [
        ['created', 'pending', 0],
        ['claimed', 'running', 1],
        ['expired', 'pending', 1],
        ['claimed', 'running', 2],
        ['completed', 'done', 2],
      ],
    );
    assert.equal(git(baton.origin, 'show', `${job.branch_name}:result.txt`), 'finished');
    assert.equal(git(baton.origin, 'rev-list', '--count', `main..${job.branch_name}`), '1');
    await successor.stop(0);
  });

  it('on SIGTERM stops claiming, gives the running job its grace period, then releases it and exits 0', async () => {
    const job = await baton.submit('@sleep 60000\nNever finishes in time');
    const worker = runBaton(workerArgs(baton, 'leaving', ['--grace-ms', '300']), agentEnv(baton));
    try {
      await waitFor('the worker to hold the job', async () => {
        const now = await baton.client.getJob(job.id);
        return now.status === 'running' && now.lease_owner === 'leaving' ? now : undefined;
      });
      worker.child.kill('SIGTERM');
      assert.equal(await exitCode(worker.child, 30_000), 0, worker.stderr());
    } finally {
      worker.child.kill('SIGKILL');
    }
    const released = await baton.client.getJob(job.id);
    assert.equal(released.status, 'pending');
    const events = await baton.client.jobEvents(job.id);
    const last = events.at(-1);
    assert.equal(last?.type, 'released');
    assert.match(String(last?.reason), /worker shutting down/);
    await baton.client.cancel(job.id);
  });

  it('refuses a bad setting with one line naming it and exit 2', async () => {
    const worker = runBaton(['worker', '--concurrency', '0']);
    assert.equal(await exitCode(worker.child), 2);
    assert.match(worker.stderr(), /^baton: Invalid --concurrency \(BATON_CONCURRENCY\)/);
    assert.equal(worker.stderr().trim().split('\n').length, 1);
  });
});

describe('baton up', () => {
  it('stops with exit 2 and no running server when the worker settings are bad', async () => {
    const tmp = tempDir('baton-up-bad-');
    try {
      const up = runBaton([
        'up',
        '--port',
        '0',
        '--db',
        join(tmp.path, 'baton.db'),
        '--agent-command',
        '["aider"]',
      ]);
      assert.equal(await exitCode(up.child), 2, 'the process exits instead of serving without a worker');
      assert.match(up.stderr(), /^baton: Invalid --agent-command \(BATON_AGENT_COMMAND\)/);
    } finally {
      tmp.remove();
    }
  });

  it('takes a job from `baton submit` to a commit on its branch, with its logs followed live', async () => {
    const tmp = tempDir('baton-up-');
    const { source } = makeOrigin(tmp.path);
    const up = await startBatonProcess(
      [
        'up',
        '--port',
        '0',
        '--db',
        join(tmp.path, 'baton.db'),
        '--worktrees',
        join(tmp.path, 'worktrees'),
        '--agent',
        'command',
        '--agent-command',
        JSON.stringify([process.execPath, FAKE_COMMAND, '--message', '{prompt}']),
      ],
      GIT_ENV,
    );
    try {
      const env = { BATON_URL: up.url, ...GIT_ENV };
      const submit = runBaton(
        ['submit', '--repo', source, '--agent', 'command', '@write hello.txt hi there\nSay hello'],
        env,
      );
      assert.equal(await exitCode(submit.child), 0, submit.stderr());
      const id = submit.stdout().trim();
      assert.match(id, /^[0-9a-f-]{36}$/);
      const logs = runBaton(['logs', id, '--follow'], env);
      const wait = runBaton(['wait', id], env);
      const waited = await exitCode(wait.child, 60_000);
      const job = await (await fetch(`${up.url}/jobs/${id}`)).json();
      assert.equal(waited, 0, `${wait.stderr()}\n${JSON.stringify(job.result_summary)}`);
      assert.equal(wait.stdout().trim(), 'done');
      assert.equal(await exitCode(logs.child, 60_000), 0, logs.stderr());
      assert.match(logs.stdout(), /finished: done/);
      const branch = originBranches(source).find((name) => name.startsWith('baton/'));
      assert.ok(branch, `a job branch in the repository (have ${originBranches(source).join(', ')})`);
      assert.equal(git(source, 'show', `${branch}:hello.txt`), 'hi there');
      assert.match(git(source, 'log', '-1', '--format=%B', branch), new RegExp(`Baton-Job: ${id}`));
    } finally {
      up.child.kill('SIGTERM');
      await exitCode(up.child);
      tmp.remove();
    }
  });
});
