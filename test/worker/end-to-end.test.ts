/**
 * The worker end to end: a real orchestrator, real git repositories, real worker loops running the
 * fake agents as child processes. Each test submits jobs over HTTP and checks what landed in origin.
 */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isGone } from './agents/support.ts';
import { type Baton, git, originBranches, startBaton, waitFor, waitForStatus } from './support.ts';

const records = (baton: Baton): any[] =>
  existsSync(baton.agentRecord)
    ? readFileSync(baton.agentRecord, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

/** Waits for a run after `attempt` to finish (a follow-up or retry). */
const waitForNextRun = (baton: Baton, id: string, attempt: number) =>
  waitFor(`job ${id} to finish a run after attempt ${attempt}`, async () => {
    const now = await baton.client.getJob(id);
    return now.attempt > attempt && ['done', 'failed', 'awaiting_input', 'cancelled'].includes(now.status)
      ? now
      : undefined;
  });

describe('a worker running the codex adapter', () => {
  let baton: Baton;
  before(async () => {
    baton = await startBaton();
    baton.startWorker();
  });
  after(() => baton.close());

  it('ends a job done with the agent change committed on its branch in origin, with the job trailer and the changed files in the summary', async () => {
    const job = await baton.submit("@write src/hello.js export const hello = 'world';\nAdd a hello module");
    const done = await waitForStatus(baton.client, job.id, ['done', 'failed']);
    assert.equal(done.status, 'done', JSON.stringify(done.result_summary));
    const summary = done.result_summary as any;
    assert.deepEqual(
      summary.files_changed.map((file: any) => [file.path, file.insertions, file.deletions]),
      [['src/hello.js', 1, 0]],
    );
    assert.equal(summary.pushed, true);
    assert.equal(summary.branch, job.branch_name);
    assert.match(summary.conversation_id, /^[0-9a-f-]{36}$/);
    assert.equal(done.conversation_id, summary.conversation_id);
    assert.ok(originBranches(baton.origin).includes(job.branch_name));
    assert.equal(git(baton.origin, 'rev-parse', job.branch_name), summary.commit);
    assert.match(
      git(baton.origin, 'log', '-1', '--format=%B', job.branch_name),
      new RegExp(`Baton-Job: ${job.id}`),
    );
    assert.equal(
      git(baton.origin, 'show', `${job.branch_name}:src/hello.js`),
      "export const hello = 'world';",
    );
    const logs = await baton.client.readLogs(job.id);
    assert.ok(
      logs.entries.some((entry) => entry.stream === 'agent'),
      'readable agent lines were streamed',
    );
    assert.ok(
      logs.entries.some((entry) => entry.stream === 'stdout'),
      'the raw event stream was kept',
    );
  });

  it('continues a follow-up in the same conversation and worktree and adds a second commit', async () => {
    const job = await baton.submit('@write notes.md first\nStart the notes');
    const first = await waitForStatus(baton.client, job.id, ['done', 'failed']);
    assert.equal(first.status, 'done');
    await baton.client.continueJob(job.id, '@append notes.md second\nAdd to the notes');
    const second = await waitForNextRun(baton, job.id, first.attempt);
    assert.equal(second.status, 'done', JSON.stringify(second.result_summary));
    const summary = second.result_summary as any;
    assert.equal(second.conversation_id, first.conversation_id);
    assert.equal(summary.follow_up, true);
    assert.equal(summary.worktree_path, (first.result_summary as any).worktree_path);
    assert.match(summary.final_message, /turn 2/);
    assert.equal(git(baton.origin, 'rev-list', '--count', `main..${job.branch_name}`), '2');
    assert.equal(git(baton.origin, 'show', `${job.branch_name}:notes.md`), 'first\nsecond');
  });

  it('ends awaiting_input when the agent asks a question, and continue answers it in the same conversation', async () => {
    const job = await baton.submit('@ask Which database should the cache use\nAdd a cache');
    const asked = await waitForStatus(baton.client, job.id, ['awaiting_input', 'done', 'failed']);
    assert.equal(asked.status, 'awaiting_input');
    assert.match((asked.result_summary as any).question, /Which database should the cache use\?/);
    assert.ok(!originBranches(baton.origin).includes(job.branch_name), 'a question commits nothing');
    await baton.client.continueJob(job.id, '@write cache.txt sqlite\nUse SQLite');
    const done = await waitForNextRun(baton, job.id, asked.attempt);
    assert.equal(done.status, 'done');
    assert.equal(done.conversation_id, asked.conversation_id);
    assert.equal(git(baton.origin, 'show', `${job.branch_name}:cache.txt`), 'sqlite');
  });

  it('stops a long-running agent on cancel: the process is gone, the job ends cancelled and nothing is pushed', async () => {
    const job = await baton.submit('@write partial.txt half done\n@sleep 60000\nA long job');
    const started = await waitFor('the agent to start', () =>
      records(baton).find((record) => record.argv?.at(-1)?.startsWith('@write partial.txt') && record.pid),
    );
    await waitForStatus(baton.client, job.id, ['running']);
    await baton.client.cancel(job.id);
    const cancelled = await waitForStatus(baton.client, job.id, ['cancelled', 'done', 'failed']);
    assert.equal(cancelled.status, 'cancelled');
    await waitFor('the agent process to be gone', () => isGone(started.pid));
    assert.ok(!originBranches(baton.origin).includes(job.branch_name), 'nothing was pushed');
    const worktree = (cancelled.result_summary as any).worktree_path as string;
    assert.ok(!existsSync(join(worktree, 'partial.txt')), "the run's changes were thrown away");
  });

  it('stops the agent and throws its changes away when the lease is lost, reporting nothing more', async () => {
    const job = await baton.submit(
      '@write stray.txt not mine any more\n@sleep 60000\nA job someone else ends',
    );
    const started = await waitFor('the agent to start', () =>
      records(baton).find((record) => record.argv?.at(-1)?.startsWith('@write stray.txt') && record.pid),
    );
    await waitForStatus(baton.client, job.id, ['running']);
    // A person ends the job without the worker's token: the worker's lease is now stale.
    await baton.client.complete(job.id, { status: 'failed', result_summary: { note: 'ended by hand' } });
    await waitFor('the agent process to be gone', () => isGone(started.pid));
    const worktree = await waitFor(
      'the worktree to be found',
      () => records(baton).find((record) => record.pid === started.pid)?.cwd as string | undefined,
    );
    await waitFor('the changes to be thrown away', () => !existsSync(join(worktree, 'stray.txt')));
    const after = await baton.client.getJob(job.id);
    assert.equal(after.status, 'failed');
    assert.deepEqual(after.result_summary, { note: 'ended by hand' }, 'the worker reported nothing over it');
    const events = await baton.client.jobEvents(job.id);
    assert.deepEqual(
      events.map((event) => event.type),
      ['created', 'claimed', 'completed'],
    );
    assert.ok(!originBranches(baton.origin).includes(job.branch_name), 'nothing was pushed');
  });

  it('delivers its report once the orchestrator is back after a restart, so the job is not run again', async () => {
    const job = await baton.submit('@sleep 1000\n@write survived.txt yes\nWork through a restart');
    await waitForStatus(baton.client, job.id, ['running']);
    // Down for longer than the rest of the run: the agent ends, and the commit, push and report
    // all happen while nobody answers.
    await baton.restartOrchestrator(3_000);
    const done = await waitForStatus(baton.client, job.id, ['done', 'failed', 'pending']);
    assert.equal(done.status, 'done', JSON.stringify(done.result_summary));
    assert.equal(done.attempt, 1, 'the job ran once');
    const events = await baton.client.jobEvents(job.id);
    assert.deepEqual(
      events.map((event) => event.type),
      ['created', 'claimed', 'completed'],
    );
    const logs = await baton.client.readLogs(job.id);
    assert.ok(
      logs.entries.some((entry) => entry.text.includes('finished: done')),
      'log lines written while the orchestrator was down arrived later',
    );
    assert.equal(git(baton.origin, 'show', `${job.branch_name}:survived.txt`), 'yes');
  });

  it('passes a prompt full of shell metacharacters to the agent as one argument and runs none of it', async () => {
    const prompt =
      'Fix it; $(touch pwned1) `touch pwned2` && touch pwned3 | tee pwned4 > pwned5 "q" \'s\' $HOME * ~';
    const job = await baton.submit(prompt);
    const done = await waitForStatus(baton.client, job.id, ['done', 'failed']);
    assert.equal(done.status, 'done');
    const record = records(baton).find((entry) => entry.argv?.at(-1) === prompt);
    assert.ok(record, 'the agent received the prompt as its last argument, unchanged');
    const worktree = (done.result_summary as any).worktree_path as string;
    assert.deepEqual(
      readdirSync(worktree).filter((name) => name.startsWith('pwned')),
      [],
      'no command in the prompt ran in the worktree',
    );
    assert.equal(readdirSync(baton.dir).filter((name) => name.startsWith('pwned')).length, 0);
    assert.equal(git(baton.origin, 'show', `${job.branch_name}:BATON_FAKE.md`), prompt);
  });

  it('fails a job whose agent runs past timeout_ms with reason timeout, and the job can be continued', async () => {
    const job = await baton.submit('@sleep 60000\nSlow work', {}, { timeout_ms: 1_000 });
    const failed = await waitForStatus(baton.client, job.id, ['failed', 'done']);
    assert.equal(failed.status, 'failed');
    assert.equal((failed.result_summary as any).reason, 'timeout');
    assert.match(
      (failed.result_summary as any).error,
      /was stopped: it ran longer than its timeout of 1000 ms/,
    );
    await baton.client.continueJob(job.id, '@write quick.txt ok\nDo it quickly this time');
    const done = await waitForNextRun(baton, job.id, failed.attempt);
    assert.equal(done.status, 'done', JSON.stringify(done.result_summary));
  });

  it('fails a job whose base does not exist with the workspace reason missing_base', async () => {
    const job = await baton.submit('Anything', { base_ref: 'no-such-branch' });
    const failed = await waitForStatus(baton.client, job.id, ['failed', 'done']);
    assert.equal(failed.status, 'failed');
    assert.equal((failed.result_summary as any).reason, 'missing_base');
    assert.match((failed.result_summary as any).error, /base_ref 'no-such-branch' was not found/);
  });

  it('records tests_passed false when the test command fails, and still delivers the commit', async () => {
    const job = await baton.submit(
      '@write feature.js x\nAdd a feature',
      {},
      { test_command: [process.execPath, '-e', 'console.log("1 failing"); process.exit(3)'] },
    );
    const done = await waitForStatus(baton.client, job.id, ['done', 'failed']);
    assert.equal(done.status, 'done');
    const summary = done.result_summary as any;
    assert.equal(summary.tests_passed, false);
    assert.equal(summary.tests.exit_code, 3);
    assert.equal(summary.pushed, true);
    const logs = await baton.client.readLogs(job.id);
    assert.ok(
      logs.entries.some((entry) => entry.text.includes('1 failing')),
      'the test output is in the logs',
    );
  });

  it('runs two jobs on the same branch one after the other, never at once', async () => {
    const fields = { branch_name: 'baton/shared-branch' };
    const a = await baton.submit('@append log.txt A\n@sleep 1500\nFirst', fields);
    const b = await baton.submit('@append log.txt B\n@sleep 1500\nSecond', fields);
    for (const job of [a, b])
      assert.equal((await waitForStatus(baton.client, job.id, ['done', 'failed'])).status, 'done');
    const [eventsA, eventsB] = await Promise.all([
      baton.client.jobEvents(a.id),
      baton.client.jobEvents(b.id),
    ]);
    const at = (events: any[], type: string) => Date.parse(events.find((event) => event.type === type).at);
    assert.ok(at(eventsB, 'claimed') >= at(eventsA, 'completed'), 'the second started after the first ended');
    assert.equal(git(baton.origin, 'show', 'baton/shared-branch:log.txt'), 'A\nB');
  });

  it('waits with a dependent job until its dependency is done', async () => {
    const first = await baton.submit('@sleep 1000\n@write base.txt 1\nFirst part');
    const second = await baton.submit('@write next.txt 2\nSecond part', { depends_on: [first.id] });
    for (const job of [first, second])
      assert.equal((await waitForStatus(baton.client, job.id, ['done', 'failed'])).status, 'done');
    const [eventsFirst, eventsSecond] = await Promise.all([
      baton.client.jobEvents(first.id),
      baton.client.jobEvents(second.id),
    ]);
    const at = (events: any[], type: string) => Date.parse(events.find((event) => event.type === type).at);
    assert.ok(at(eventsSecond, 'claimed') >= at(eventsFirst, 'completed'));
  });
});

describe('a worker whose agent cannot start', () => {
  let baton: Baton;
  before(async () => {
    baton = await startBaton();
    baton.startWorker({ 'codex-path': '/nonexistent/bin/codex' });
  });
  after(() => baton.close());

  it('fails the job with a message that says how to set the agent path', async () => {
    const job = await baton.submit('Anything');
    const failed = await waitForStatus(baton.client, job.id, ['failed', 'done']);
    assert.equal(failed.status, 'failed');
    const summary = failed.result_summary as any;
    assert.equal(summary.reason, 'agent_failed');
    assert.match(summary.error, /not found/);
    assert.match(summary.error, /--codex-path or BATON_CODEX_PATH/);
  });

  it('fails a job that names an agent the worker does not have, listing the ones it has', async () => {
    const job = await baton.submit('Anything', {}, { agent: 'aider' });
    const failed = await waitForStatus(baton.client, job.id, ['failed', 'done']);
    assert.equal(failed.status, 'failed');
    assert.match((failed.result_summary as any).error, /unknown agent 'aider'.*codex/);
  });
});
