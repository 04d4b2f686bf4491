import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GitError, WorkspaceError } from '../../../src/worker/git/errors.ts';
import { Workspaces } from '../../../src/worker/git/workspaces.ts';
import { removeWorktree } from '../../../src/worker/git/worktree-registry.ts';
import { collectLogs, type GitFixture, IDENTITY, makeGitFixture } from './git-fixtures.ts';

describe('Workspaces: clone, worktree, commit, push (real git)', () => {
  let fx: GitFixture;
  let workspaces: Workspaces;
  before(() => {
    fx = makeGitFixture();
    workspaces = new Workspaces({ root: fx.root, identity: IDENTITY, env: fx.env });
  });
  after(() => fx.remove());

  it('clones the repository once into the cache and creates the job branch from the base', async () => {
    const job = fx.job();
    const logs = collectLogs();
    const wt = await workspaces.prepare(job, logs.sink);
    try {
      assert.equal(wt.created, true);
      assert.equal(wt.baseCommit, fx.git(fx.origin, 'rev-parse', 'main'));
      assert.equal(fx.git(wt.path, 'symbolic-ref', '--short', 'HEAD'), job.branch_name);
      assert.equal(readFileSync(join(wt.path, 'app.txt'), 'utf8'), 'line 1\nline 2\nline 3\nline 4\n');
      assert.ok(wt.path.startsWith(join(fx.root)), wt.path);
      assert.match(logs.text(), /cloning/);
      const commonDir = fx.git(wt.path, 'rev-parse', '--path-format=absolute', '--git-common-dir');
      assert.match(commonDir, /\/\.repos\/origin-[0-9a-f]{10}\/\.git$/);
      assert.equal(fx.git(join(commonDir, '..'), 'remote', 'get-url', 'origin'), fx.origin);
    } finally {
      await wt.release();
    }
  });

  it('commits every change with the Baton-Job trailer, the configured identity and per-file counts', async () => {
    const job = fx.job();
    const wt = await workspaces.prepare(job, collectLogs().sink);
    try {
      writeFileSync(join(wt.path, 'app.txt'), 'line 1\nline two\nline 3\nline 4\nline 5\n');
      unlinkSync(join(wt.path, 'old.txt'));
      mkdirSync(join(wt.path, 'src'));
      writeFileSync(join(wt.path, 'src', 'new.txt'), 'a\nb\nc\n');
      writeFileSync(join(wt.path, 'image.bin'), Buffer.from([0, 1, 2, 0, 255]));
      const result = await wt.commitAll({
        subject: `Add a health check\nsecond line of the prompt`,
        body: '# Heading kept\nDetails of the change.',
      });
      assert.ok(result);
      assert.equal(result.commit, fx.git(wt.path, 'rev-parse', 'HEAD'));
      const byPath = Object.fromEntries(result.files.map((f) => [f.path, [f.insertions, f.deletions]]));
      assert.deepEqual(byPath, {
        'app.txt': [2, 1],
        'image.bin': [0, 0],
        'old.txt': [0, 1],
        'src/new.txt': [3, 0],
      });
      assert.equal(result.insertions, 5);
      assert.equal(result.deletions, 2);

      const message = fx.git(wt.path, 'log', '-1', '--format=%B');
      assert.equal(message.split('\n')[0], 'Add a health check');
      assert.match(message, /# Heading kept/);
      const trailers = fx.git(wt.path, 'log', '-1', '--format=%(trailers:key=Baton-Job,valueonly)');
      assert.equal(trailers, job.id);
      assert.equal(
        fx.git(wt.path, 'log', '-1', '--format=%an <%ae>|%cn <%ce>'),
        'Baton Test <baton-test@example.invalid>|Baton Test <baton-test@example.invalid>',
      );
      assert.equal(fx.git(wt.path, 'status', '--porcelain'), '');
    } finally {
      await wt.release();
    }
  });

  it('answers null from commitAll when nothing changed', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    try {
      assert.equal(await wt.commitAll({ subject: 'Nothing' }), null);
      assert.equal(fx.git(wt.path, 'rev-parse', 'HEAD'), wt.baseCommit);
    } finally {
      await wt.release();
    }
  });

  it('commits even when the repository has a failing pre-commit hook and asks for signed commits', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    try {
      const common = fx.git(wt.path, 'rev-parse', '--path-format=absolute', '--git-common-dir');
      mkdirSync(join(common, 'hooks'), { recursive: true });
      writeFileSync(join(common, 'hooks', 'pre-commit'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      fx.git(wt.path, 'config', 'commit.gpgsign', 'true');
      writeFileSync(join(wt.path, 'hooked.txt'), 'x\n');
      const result = await wt.commitAll({ subject: 'Past the hook' });
      assert.ok(result, 'the commit was made');
      assert.equal(fx.git(wt.path, 'rev-parse', 'HEAD'), result.commit);
    } finally {
      await wt.release();
    }
  });

  it('skips a copy_files entry that does not exist in the source, saying so in the logs', async () => {
    const logs = collectLogs();
    const wt = await workspaces.prepare(
      fx.job({
        repo_url: fx.source,
        spec_json: { prompt: 'x', setup: { copy_files: ['no-such.env', '.env'] } },
      }),
      logs.sink,
    );
    try {
      assert.ok(existsSync(join(wt.path, '.env')), 'the file that exists was copied');
      assert.ok(!existsSync(join(wt.path, 'no-such.env')));
      assert.match(logs.text(), /no-such\.env/);
    } finally {
      await wt.release();
    }
  });

  it('pushes the branch to origin, and a follow-up reuses the worktree and adds a second commit', async () => {
    const job = fx.job();
    const first = await workspaces.prepare(job, collectLogs().sink);
    writeFileSync(join(first.path, 'feature.txt'), 'first\n');
    writeFileSync(join(first.path, 'scratch-notes.txt'), 'the agent left this uncommitted\n');
    const c1 = await first.commitAll({ subject: 'First' });
    assert.ok(c1);
    await first.push();
    assert.equal(fx.git(fx.origin, 'rev-parse', `refs/heads/${job.branch_name}`), c1.commit);
    await first.release();

    const logs = collectLogs();
    const second = await workspaces.prepare(job, logs.sink);
    try {
      assert.equal(second.created, false);
      assert.equal(second.path, first.path);
      assert.equal(second.baseCommit, c1.commit);
      assert.match(logs.text(), /reusing worktree/);
      assert.equal(readFileSync(join(second.path, 'feature.txt'), 'utf8'), 'first\n');
      writeFileSync(join(second.path, 'feature.txt'), 'first\nsecond\n');
      const c2 = await second.commitAll({ subject: 'Second' });
      assert.ok(c2);
      await second.push();
      assert.equal(fx.git(fx.origin, 'rev-parse', `refs/heads/${job.branch_name}`), c2.commit);
      assert.equal(fx.git(fx.origin, 'rev-parse', `${c2.commit}^`), c1.commit);
      const trailers = fx.git(fx.origin, 'log', '--format=%(trailers:key=Baton-Job,valueonly)', c2.commit);
      assert.deepEqual(trailers.split('\n').filter(Boolean).slice(0, 2), [job.id, job.id]);
    } finally {
      await second.release();
    }
  });

  it('creates a new worktree from origin/<branch> when the branch already exists there', async () => {
    fx.git(fx.origin, 'branch', 'existing/feature', 'v1.0');
    const wt = await workspaces.prepare(fx.job({ branch_name: 'existing/feature' }), collectLogs().sink);
    try {
      assert.equal(wt.created, true);
      assert.equal(wt.baseCommit, fx.git(fx.origin, 'rev-parse', 'v1.0^{commit}'));
      assert.ok(wt.path.endsWith('existing__feature'), wt.path);
    } finally {
      await wt.release();
    }
  });

  it('starts a new branch from a tag or a commit given as base_ref', async () => {
    const tagCommit = fx.git(fx.origin, 'rev-parse', 'v1.0^{commit}');
    const first = fx.git(fx.origin, 'rev-list', '--max-parents=0', 'main');
    for (const base of ['v1.0', first]) {
      const wt = await workspaces.prepare(fx.job({ base_ref: base }), collectLogs().sink);
      await wt.release();
      assert.equal(wt.baseCommit, base === 'v1.0' ? tagCommit : first);
    }
  });

  it('refuses an unknown base with an error that names it', async () => {
    const job = fx.job({ base_ref: 'no-such-branch' });
    await assert.rejects(workspaces.prepare(job, collectLogs().sink), (error: unknown) => {
      assert.ok(error instanceof WorkspaceError);
      assert.equal(error.code, 'missing_base');
      assert.match(error.message, /base_ref 'no-such-branch' was not found/);
      return true;
    });
    // The failed prepare released its hold: a good job on the same path goes through.
    const wt = await workspaces.prepare({ ...job, base_ref: 'main' }, collectLogs().sink);
    await wt.release();
  });

  it('fetches before each prepare, so a branch pushed to origin meanwhile can be the base', async () => {
    const warm = await workspaces.prepare(fx.job(), collectLogs().sink);
    await warm.release();
    fx.git(fx.origin, 'branch', 'late-base', 'main');
    const wt = await workspaces.prepare(fx.job({ base_ref: 'late-base' }), collectLogs().sink);
    await wt.release();
    assert.equal(wt.baseCommit, fx.git(fx.origin, 'rev-parse', 'late-base'));
  });

  it('discardChanges removes edits, deletions and untracked files, keeping committed work', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    try {
      writeFileSync(join(wt.path, 'kept.txt'), 'committed\n');
      await wt.commitAll({ subject: 'Keep me' });
      writeFileSync(join(wt.path, 'app.txt'), 'scribbled\n');
      unlinkSync(join(wt.path, 'README.md'));
      mkdirSync(join(wt.path, 'junk'));
      writeFileSync(join(wt.path, 'junk', 'untracked.txt'), 'x\n');
      await wt.discardChanges();
      assert.equal(fx.git(wt.path, 'status', '--porcelain'), '');
      assert.equal(readFileSync(join(wt.path, 'app.txt'), 'utf8'), 'line 1\nline 2\nline 3\nline 4\n');
      assert.ok(existsSync(join(wt.path, 'README.md')));
      assert.ok(!existsSync(join(wt.path, 'junk')));
      assert.ok(existsSync(join(wt.path, 'kept.txt')));
    } finally {
      await wt.release();
    }
  });

  it('surfaces git’s refusal when pushing to a non-bare origin whose checked-out branch is the job branch', async () => {
    const wt = await workspaces.prepare(
      fx.job({ repo_url: fx.source, branch_name: 'main' }),
      collectLogs().sink,
    );
    try {
      writeFileSync(join(wt.path, 'pushed.txt'), 'x\n');
      await wt.commitAll({ subject: 'Try to push to a checked-out branch' });
      await assert.rejects(wt.push(), (error: unknown) => {
        assert.ok(error instanceof GitError);
        assert.match(error.message, /refusing to update checked out branch|denyCurrentBranch/);
        return true;
      });
    } finally {
      await wt.release();
    }
  });

  it('accepts a file:// URL as the repository', async () => {
    const wt = await workspaces.prepare(fx.job({ repo_url: `file://${fx.origin}` }), collectLogs().sink);
    await wt.release();
    assert.equal(wt.created, true);
  });
});

describe('Workspaces: holds, races and path safety (real git)', () => {
  let fx: GitFixture;
  let workspaces: Workspaces;
  before(() => {
    fx = makeGitFixture();
    workspaces = new Workspaces({ root: fx.root, identity: IDENTITY, env: fx.env });
  });
  after(() => fx.remove());

  it('makes a second prepare of the same worktree wait until the first is released', async () => {
    const job = fx.job();
    const first = await workspaces.prepare(job, collectLogs().sink);
    let secondReady = false;
    const secondPromise = workspaces.prepare(job, collectLogs().sink).then((w) => {
      secondReady = true;
      return w;
    });
    // Real work while the second waits: it must not get the worktree in the meantime.
    writeFileSync(join(first.path, 'by-first.txt'), 'first holder\n');
    const commit = await first.commitAll({ subject: 'By the first holder' });
    assert.ok(commit);
    assert.equal(secondReady, false);
    await first.release();
    const second = await secondPromise;
    try {
      assert.equal(second.created, false);
      assert.equal(second.baseCommit, commit.commit);
    } finally {
      await second.release();
    }
  });

  it('prepares many branches of one repository at once from a cold cache', async () => {
    const fresh = new Workspaces({ root: join(fx.dir, 'cold-root'), identity: IDENTITY, env: fx.env });
    const jobs = [1, 2, 3, 4].map(() => fx.job());
    const prepared = await Promise.all(jobs.map((job) => fresh.prepare(job, collectLogs().sink)));
    try {
      assert.equal(new Set(prepared.map((w) => w.path)).size, 4);
      for (const [i, w] of prepared.entries()) {
        assert.equal(fx.git(w.path, 'symbolic-ref', '--short', 'HEAD'), jobs[i]!.branch_name);
      }
      await Promise.all(
        prepared.map(async (w, i) => {
          writeFileSync(join(w.path, `parallel-${i}.txt`), `${i}\n`);
          assert.ok(await w.commitAll({ subject: `Parallel ${i}` }));
          await w.push();
        }),
      );
      for (const job of jobs) assert.ok(fx.git(fx.origin, 'rev-parse', `refs/heads/${job.branch_name}`));
    } finally {
      await Promise.all(prepared.map((w) => w.release()));
    }
  });

  it('uses worktree_path under the root when the job sets one', async () => {
    const wt = await workspaces.prepare(fx.job({ worktree_path: 'custom/place' }), collectLogs().sink);
    await wt.release();
    assert.ok(wt.path.endsWith(join('worktrees', 'custom', 'place')), wt.path);
  });

  it('refuses a worktree_path that leaves the root: ../x, an absolute path outside, a symlink out', async () => {
    const outside = join(fx.dir, 'outside');
    mkdirSync(outside);
    mkdirSync(fx.root, { recursive: true });
    symlinkSync(outside, join(fx.root, 'escape-link'));
    for (const worktree_path of [
      '../x',
      outside,
      join(outside, 'deeper'),
      'escape-link/inside',
      '.repos/x',
    ]) {
      await assert.rejects(
        workspaces.prepare(fx.job({ worktree_path }), collectLogs().sink),
        (error: unknown) => error instanceof WorkspaceError && error.code === 'unsafe_path',
        worktree_path,
      );
    }
    assert.ok(!existsSync(join(fx.dir, 'x')));
    assert.deepEqual(readdirSync(outside), []);
  });

  it('refuses branch names and repository URLs that could act as options', async () => {
    await assert.rejects(
      workspaces.prepare(fx.job({ branch_name: '--upload-pack=evil' }), collectLogs().sink),
      (error: unknown) => error instanceof WorkspaceError && error.code === 'bad_branch',
    );
    await assert.rejects(
      workspaces.prepare(fx.job({ base_ref: '-x' }), collectLogs().sink),
      (error: unknown) => error instanceof WorkspaceError && error.code === 'bad_branch',
    );
    for (const repo_url of [
      '--upload-pack=touch /tmp/pwned',
      'relative/repo',
      'ext::sh -c touch% /tmp/pwned',
    ]) {
      await assert.rejects(
        workspaces.prepare(fx.job({ repo_url }), collectLogs().sink),
        (error: unknown) => error instanceof WorkspaceError && error.code === 'bad_repo_url',
        repo_url,
      );
    }
  });

  it('refuses to reuse a folder at the worktree path that is not this repository’s worktree', async () => {
    mkdirSync(join(fx.root, 'not-a-worktree'), { recursive: true });
    await assert.rejects(
      workspaces.prepare(fx.job({ worktree_path: 'not-a-worktree' }), collectLogs().sink),
      (error: unknown) => error instanceof WorkspaceError && error.code === 'worktree_mismatch',
    );
    rmSync(join(fx.root, 'not-a-worktree'), { recursive: true });
  });

  it('recreates a removed worktree from the cached branch, fast-forwarded when origin moved ahead', async () => {
    const job = fx.job();
    const first = await workspaces.prepare(job, collectLogs().sink);
    writeFileSync(join(first.path, 'one.txt'), '1\n');
    await first.commitAll({ subject: 'One' });
    await first.push();
    await first.release();
    await removeWorktree(fx.root, first.path, { env: fx.env });
    // Someone else pushes to the branch meanwhile.
    const other = join(fx.dir, `other-${job.id.slice(-8)}`);
    fx.git(fx.dir, 'clone', '--quiet', '--branch', job.branch_name, fx.origin, other);
    writeFileSync(join(other, 'two.txt'), '2\n');
    fx.git(other, 'add', 'two.txt');
    fx.git(other, 'commit', '--quiet', '-m', 'Two, from elsewhere');
    fx.git(other, 'push', '--quiet', 'origin', job.branch_name);
    const again = await workspaces.prepare(job, collectLogs().sink);
    try {
      assert.equal(again.created, true);
      assert.equal(again.baseCommit, fx.git(other, 'rev-parse', 'HEAD'));
    } finally {
      await again.release();
    }
  });

  it('recreates a worktree whose folder was deleted by hand', async () => {
    const job = fx.job();
    const first = await workspaces.prepare(job, collectLogs().sink);
    writeFileSync(join(first.path, 'local.txt'), 'committed, never pushed\n');
    const commit = await first.commitAll({ subject: 'Local only' });
    await first.release();
    rmSync(first.path, { recursive: true, force: true });
    const again = await workspaces.prepare(job, collectLogs().sink);
    try {
      assert.equal(again.created, true);
      // The branch lives on in the cache, so the unpushed commit is still there.
      assert.equal(again.baseCommit, commit?.commit);
    } finally {
      await again.release();
    }
  });
});
