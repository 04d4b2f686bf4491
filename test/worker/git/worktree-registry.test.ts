import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobStatus } from '../../../src/orchestrator/models/job.ts';
import { WorkspaceError } from '../../../src/worker/git/errors.ts';
import { Workspaces } from '../../../src/worker/git/workspaces.ts';
import {
  listWorktrees,
  type PruneJob,
  pruneDecision,
  removeWorktree,
} from '../../../src/worker/git/worktree-registry.ts';
import { collectLogs, type GitFixture, IDENTITY, makeGitFixture } from './git-fixtures.ts';

const HOUR = 3_600_000;
const NOW = 1_000 * HOUR;
const job = (id: string, status: JobStatus, push_mode: 'always' | 'never' = 'always'): PruneJob => ({
  id,
  status,
  push_mode,
  updated_at: NOW - 2 * HOUR,
});
const worktree = (pushed: boolean, job_ids = ['a', 'b']) => ({
  job_ids,
  pushed,
  last_used_at: NOW - 2 * HOUR,
});

describe('pruneDecision', () => {
  it('keeps a worktree a pending, running or awaiting_input job needs, whatever its age or push state', () => {
    for (const status of ['pending', 'running', 'awaiting_input'] as const) {
      const decision = pruneDecision(worktree(true), [job('a', 'done'), job('c', status)], NOW, 0);
      assert.equal(decision.prune, false, status);
      assert.match(decision.reason, new RegExp(`job c is ${status}`));
    }
  });

  it('prunes when every job finished and the work is pushed', () => {
    const decision = pruneDecision(worktree(true), [job('a', 'done'), job('b', 'failed')], NOW);
    assert.deepEqual(decision, { prune: true, reason: 'every job finished and its work is pushed' });
  });

  it('keeps finished but unpushed work unless it is older than the given age', () => {
    const jobs = [job('a', 'done'), job('b', 'cancelled')];
    assert.equal(pruneDecision(worktree(false), jobs, NOW).prune, false);
    assert.equal(pruneDecision(worktree(false), jobs, NOW, 3 * HOUR).prune, false);
    const old = pruneDecision(worktree(false), jobs, NOW, 1 * HOUR);
    assert.equal(old.prune, true);
    assert.match(old.reason, /unused for 2h/);
  });

  it('measures the age from the newest of its last use and its jobs’ updates', () => {
    const recent = { ...job('a', 'done'), updated_at: NOW - 10 * 60_000 };
    assert.equal(pruneDecision(worktree(false, ['a']), [recent], NOW, HOUR).prune, false);
  });

  it('prunes unpushed work when every job that used it has push_mode never', () => {
    const jobs = [job('a', 'done', 'never'), job('b', 'failed', 'never')];
    assert.equal(pruneDecision(worktree(false), jobs, NOW).prune, true);
    // A job missing from the list (deleted) might have wanted a push: keep.
    assert.equal(pruneDecision(worktree(false), [jobs[0]!], NOW).prune, false);
  });

  it('prunes the record of a worktree whose folder is gone, unless a job still needs it', () => {
    assert.equal(pruneDecision({ ...worktree(false), exists: false }, [job('a', 'done')], NOW).prune, true);
    assert.equal(
      pruneDecision({ ...worktree(false), exists: false }, [job('a', 'pending')], NOW).prune,
      false,
    );
  });
});

describe('worktree registry and removal (real git)', () => {
  let fx: GitFixture;
  let workspaces: Workspaces;
  let clock = 5_000;
  before(() => {
    fx = makeGitFixture();
    workspaces = new Workspaces({ root: fx.root, identity: IDENTITY, env: fx.env, now: () => clock });
  });
  after(() => fx.remove());

  it('lists each worktree with its repo, branch, jobs, last use and push state', async () => {
    const first = fx.job();
    const wt = await workspaces.prepare(first, collectLogs().sink);
    let [listed] = (await listWorktrees(fx.root)).filter((w) => w.path === wt.path);
    assert.ok(listed, 'listed while the job holds it');
    assert.deepEqual(listed.job_ids, [first.id]);
    writeFileSync(join(wt.path, 'x.txt'), 'x\n');
    await wt.commitAll({ subject: 'x' });
    await wt.push();
    clock = 9_000;
    await wt.release();

    [listed] = (await listWorktrees(fx.root)).filter((w) => w.path === wt.path);
    assert.ok(listed);
    assert.equal(listed.repo_url, fx.origin);
    assert.equal(listed.branch, first.branch_name);
    assert.equal(listed.pushed, true);
    assert.equal(listed.last_used_at, 9_000);
    assert.equal(listed.exists, true);

    const followUp = { ...fx.job(), branch_name: first.branch_name };
    const again = await workspaces.prepare(followUp, collectLogs().sink);
    writeFileSync(join(again.path, 'y.txt'), 'y\n');
    await again.commitAll({ subject: 'y' });
    await again.release();
    [listed] = (await listWorktrees(fx.root)).filter((w) => w.path === wt.path);
    assert.deepEqual(listed?.job_ids, [first.id, followUp.id]);
    assert.equal(listed?.pushed, false, 'a commit after the push is unpushed work');
  });

  it('removes a worktree and its record, and git forgets it', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    writeFileSync(join(wt.path, 'untracked.txt'), 'left behind\n');
    await wt.release();
    const cacheDir = join(fx.git(wt.path, 'rev-parse', '--path-format=absolute', '--git-common-dir'), '..');
    await removeWorktree(fx.root, wt.path, { env: fx.env });
    assert.ok(!existsSync(wt.path));
    assert.ok(!(await listWorktrees(fx.root)).some((w) => w.path === wt.path));
    assert.ok(!fx.git(cacheDir, 'worktree', 'list').includes(wt.path));
  });

  it('removes the record of a worktree whose folder was deleted by hand', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    await wt.release();
    rmSync(wt.path, { recursive: true, force: true });
    const [stale] = (await listWorktrees(fx.root)).filter((w) => w.path === wt.path);
    assert.equal(stale?.exists, false);
    await removeWorktree(fx.root, wt.path, { env: fx.env });
    assert.ok(!(await listWorktrees(fx.root)).some((w) => w.path === wt.path));
  });

  it('refuses to remove anything outside the root, the root itself, Baton’s folders, or a non-worktree', async () => {
    const outside = join(fx.dir, 'precious');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep.txt'), 'keep\n');
    mkdirSync(fx.root, { recursive: true });
    symlinkSync(outside, join(fx.root, 'link-out'));
    mkdirSync(join(fx.root, 'plain-folder'));
    const cases = [outside, '../precious', 'link-out', fx.root, '.', '.repos', '.meta', 'plain-folder'];
    for (const path of cases) {
      await assert.rejects(
        removeWorktree(fx.root, path, { env: fx.env }),
        (error: unknown) => error instanceof WorkspaceError && error.code === 'unsafe_path',
        path,
      );
    }
    assert.deepEqual(readdirSync(outside), ['keep.txt']);
    assert.ok(existsSync(join(fx.root, 'plain-folder')));
    assert.ok(existsSync(join(fx.root, '.repos')));
  });
});
