/** `baton worktrees` and `baton worktrees prune` over worktrees a real worker made. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runClientCommand } from '../../src/cli/commands/index.ts';
import { type Baton, startBaton, waitForStatus } from './support.ts';

async function baton_(args: string[], env: NodeJS.ProcessEnv, command = 'worktrees') {
  let stdout = '';
  let stderr = '';
  const code = await runClientCommand(command, args, env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe('baton worktrees', () => {
  let baton: Baton;
  let root: string;
  let env: NodeJS.ProcessEnv;
  let pushed: { path: string; id: string };
  let asking: { path: string; id: string };
  before(async () => {
    baton = await startBaton();
    baton.startWorker();
    root = join(baton.dir, 'worktrees-1');
    env = { BATON_URL: baton.url, BATON_WORKTREES: root };
    const done = await baton.submit('@write a.txt a\nFinished work');
    const waiting = await baton.submit('@ask Which colour\nUnfinished work');
    const doneJob = await waitForStatus(baton.client, done.id, ['done', 'failed']);
    const waitingJob = await waitForStatus(baton.client, waiting.id, ['awaiting_input', 'done', 'failed']);
    assert.equal(doneJob.status, 'done');
    assert.equal(waitingJob.status, 'awaiting_input');
    pushed = { path: (doneJob.result_summary as any).worktree_path, id: done.id };
    asking = { path: (waitingJob.result_summary as any).worktree_path, id: waiting.id };
  });
  after(() => baton.close());

  it('lists each worktree with the jobs that used it and whether its work is pushed', async () => {
    const { code, stdout } = await baton_([], env);
    assert.equal(code, 0);
    const line = (path: string) => stdout.split('\n').find((row) => row.startsWith(path)) ?? '';
    assert.match(line(pushed.path), new RegExp(`${pushed.id.slice(-8)}:done.*yes.*can be pruned`), stdout);
    assert.match(line(asking.path), new RegExp(`${asking.id.slice(-8)}:awaiting_input.*no.*kept`), stdout);
  });

  it('prune removes a finished and pushed worktree and keeps one a job still needs', async () => {
    const dry = await baton_(['prune', '--dry-run'], env);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /would be removed/);
    assert.ok(existsSync(pushed.path), 'a dry run removes nothing');
    const { code, stdout } = await baton_(['prune'], env);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /1 worktree\(s\) removed/);
    assert.ok(!existsSync(pushed.path), 'the pushed worktree is gone');
    assert.ok(existsSync(asking.path), 'the worktree of the job awaiting input is kept');
    const again = await baton_(['prune', '--older-than', '0s'], env);
    assert.ok(existsSync(asking.path), 'even past any age, a job awaiting input keeps its worktree');
    assert.match(again.stdout, /0 worktree\(s\) removed/);
  });

  it('baton show names the worktree the worker used', async () => {
    const { code, stdout } = await baton_([asking.id], env, 'show');
    assert.equal(code, 0);
    assert.match(
      stdout,
      new RegExp(`^worktree: +${asking.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    );
  });

  it('refuses an age it cannot read with one line and exit 2', async () => {
    const { code, stderr } = await baton_(['prune', '--older-than', 'soon'], env);
    assert.equal(code, 2);
    assert.match(stderr, /--older-than must be a number with a unit/);
  });
});
