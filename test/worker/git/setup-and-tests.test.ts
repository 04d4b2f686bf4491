import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkspaceError } from '../../../src/worker/git/errors.ts';
import { Workspaces } from '../../../src/worker/git/workspaces.ts';
import { waitFor } from '../../helpers.ts';
import { isGone } from '../agents/support.ts';
import { collectLogs, type GitFixture, IDENTITY, makeGitFixture } from './git-fixtures.ts';

/** A node one-liner as an argv array: the tests need no shell and no tool beyond node. */
const nodeScript = (code: string) => [process.execPath, '-e', code];

describe('Workspaces: .baton.json, setup and tests (real git, real processes)', () => {
  let fx: GitFixture;
  let workspaces: Workspaces;
  before(() => {
    fx = makeGitFixture();
    // The repository's own config: a test command and a setup that appends to a counter file.
    const config = {
      test_command: nodeScript('process.exit(0)'),
      setup: {
        copy_files: ['.env'],
        command: nodeScript(
          "require('fs').appendFileSync('setup-runs.log', 'ran\\n'); console.log('setup says hello')",
        ),
      },
    };
    writeFileSync(join(fx.source, '.baton.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(join(fx.source, '.gitignore'), 'node_modules/\nsetup-runs.log\n');
    fx.git(fx.source, 'add', '.baton.json', '.gitignore');
    fx.git(fx.source, 'commit', '--quiet', '-m', 'Add .baton.json');
    workspaces = new Workspaces({ root: fx.root, identity: IDENTITY, env: fx.env });
  });
  after(() => fx.remove());

  it('merges .baton.json with the job spec, the job winning field by field', async () => {
    const fileOnly = await workspaces.prepare(fx.job({ repo_url: fx.source }), collectLogs().sink);
    await fileOnly.release();
    assert.deepEqual(fileOnly.config.test_command, nodeScript('process.exit(0)'));
    assert.deepEqual(fileOnly.config.setup?.copy_files, ['.env']);

    const spec = { prompt: 'x', test_command: ['npm', 'test'], setup: { copy_files: [] as string[] } };
    const overridden = await workspaces.prepare(
      fx.job({ repo_url: fx.source, spec_json: spec }),
      collectLogs().sink,
    );
    await overridden.release();
    assert.deepEqual(overridden.config.test_command, ['npm', 'test']);
    assert.deepEqual(overridden.config.setup?.copy_files, []);
    assert.ok(overridden.config.setup?.command, 'the file’s setup command stays when the job sets none');
    assert.ok(!existsSync(join(overridden.path, '.env')), 'an empty copy_files from the job copies nothing');
  });

  it('copies .env (untracked in the source) into a new worktree and never commits it', async () => {
    const wt = await workspaces.prepare(fx.job({ repo_url: fx.source }), collectLogs().sink);
    try {
      assert.equal(readFileSync(join(wt.path, '.env'), 'utf8'), 'SECRET=from-source\n');
      writeFileSync(join(wt.path, 'work.txt'), 'work\n');
      const result = await wt.commitAll({ subject: 'Work' });
      assert.deepEqual(
        result?.files.map((f) => f.path),
        ['work.txt'],
      );
      await wt.discardChanges();
      assert.ok(existsSync(join(wt.path, '.env')), 'discardChanges keeps the copied file');
    } finally {
      await wt.release();
    }
  });

  it('runs the setup command once: when the worktree is created, not when it is reused', async () => {
    const job = fx.job({ repo_url: fx.source });
    const logs = collectLogs();
    const first = await workspaces.prepare(job, logs.sink);
    await first.release();
    assert.ok(logs.entries.some((e) => e.stream === 'setup-out' && e.text === 'setup says hello'));
    const second = await workspaces.prepare(job, collectLogs().sink);
    await second.release();
    assert.equal(second.created, false);
    assert.equal(readFileSync(join(second.path, 'setup-runs.log'), 'utf8'), 'ran\n');
  });

  it('fails the prepare when the setup command fails, and runs it again on the next prepare', async () => {
    const failing = nodeScript(
      "const fs = require('fs'); fs.appendFileSync('setup-runs.log', 'ran\\n');" +
        "if (fs.readFileSync('setup-runs.log', 'utf8').split('\\n').length < 3) { console.error('no network'); process.exit(3); }",
    );
    const job = fx.job({ repo_url: fx.source, spec_json: { prompt: 'x', setup: { command: failing } } });
    const logs = collectLogs();
    await assert.rejects(workspaces.prepare(job, logs.sink), (error: unknown) => {
      assert.ok(error instanceof WorkspaceError);
      assert.equal(error.code, 'setup_failed');
      assert.match(error.message, /exited with 3/);
      return true;
    });
    assert.ok(logs.entries.some((e) => e.stream === 'setup-err' && e.text === 'no network'));
    const wt = await workspaces.prepare(job, collectLogs().sink);
    await wt.release();
    assert.equal(readFileSync(join(wt.path, 'setup-runs.log'), 'utf8'), 'ran\nran\n');
  });

  it('skips copy_files for a remote repository and says so in the log', async () => {
    // A remote reached over the ssh transport without a network: git's ssh program is a tiny script
    // that runs the command git asks for (git-upload-pack / git-receive-pack) on this machine.
    const fakeSsh = join(fx.dir, 'fake-ssh');
    writeFileSync(fakeSsh, '#!/bin/sh\nshift\nexec sh -c "$*"\n', { mode: 0o755 });
    const env = { ...fx.env, GIT_SSH: fakeSsh, GIT_SSH_VARIANT: 'simple' };
    const remote = new Workspaces({ root: join(fx.dir, 'remote-root'), identity: IDENTITY, env });
    const job = fx.job({ repo_url: `git@fakehost.invalid:${fx.source}` });
    const logs = collectLogs();
    const wt = await remote.prepare(job, logs.sink);
    try {
      assert.equal(wt.created, true);
      assert.match(logs.text(), /copy_files skipped: git@fakehost\.invalid:.* is not a local repository/);
      assert.ok(!existsSync(join(wt.path, '.env')));
      assert.ok(readFileSync(join(wt.path, 'setup-runs.log'), 'utf8'), 'the setup command still runs');
    } finally {
      await wt.release();
    }
  });

  it('refuses a copy_files entry that leads outside the source repository', async () => {
    const spec = { prompt: 'x', setup: { copy_files: ['../outside.txt'] } };
    writeFileSync(join(fx.dir, 'outside.txt'), 'not yours\n');
    await assert.rejects(
      workspaces.prepare(fx.job({ repo_url: fx.source, spec_json: spec }), collectLogs().sink),
      (error: unknown) => error instanceof WorkspaceError && error.code === 'unsafe_path',
    );
  });

  it('refuses a .baton.json that is not valid, naming the file and the problem', async () => {
    const job = fx.job({ repo_url: fx.source });
    const wt = await workspaces.prepare(job, collectLogs().sink);
    writeFileSync(join(wt.path, '.baton.json'), '{"test_comand": ["npm", "test"]}');
    await wt.release();
    await assert.rejects(workspaces.prepare(job, collectLogs().sink), (error: unknown) => {
      assert.ok(error instanceof WorkspaceError);
      assert.equal(error.code, 'bad_repo_config');
      assert.match(error.message, /\.baton\.json is not a valid Baton config/);
      assert.match(error.message, /test_comand/);
      return true;
    });
  });

  it('reports passing and failing test commands with their exit code and output', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    try {
      const logs = collectLogs();
      const pass = await wt.runTests(nodeScript("console.log('all green')"), logs.sink);
      assert.equal(pass.passed, true);
      assert.equal(pass.exitCode, 0);
      assert.ok(pass.durationMs >= 0);
      assert.ok(logs.entries.some((e) => e.stream === 'test-out' && e.text === 'all green'));

      const fail = await wt.runTests(nodeScript("console.error('1 failing'); process.exit(2)"), logs.sink);
      assert.equal(fail.passed, false);
      assert.equal(fail.exitCode, 2);
      assert.ok(logs.entries.some((e) => e.stream === 'test-err' && e.text === '1 failing'));

      const missing = await wt.runTests(['baton-no-such-test-program'], logs.sink);
      assert.equal(missing.passed, false);
      assert.equal(missing.exitCode, null);
      assert.match(logs.text(), /could not start/);
    } finally {
      await wt.release();
    }
  });

  it('stops whatever a test command left running once it exits', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    try {
      const pidFile = join(wt.path, 'leftover.pid');
      // Starts a child in its own process group's reach (not detached) and exits at once.
      const script =
        "const { spawn } = require('child_process'); const fs = require('fs');" +
        "const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });" +
        `fs.writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); c.unref();`;
      const result = await wt.runTests(nodeScript(script), collectLogs().sink);
      assert.equal(result.passed, true);
      const childPid = Number(readFileSync(pidFile, 'utf8'));
      await waitFor('the leftover child to be stopped', () => isGone(childPid));
    } finally {
      await wt.release();
    }
  });

  it('stops a running test command and its children when aborted, answering a failure with no exit code', async () => {
    const wt = await workspaces.prepare(fx.job(), collectLogs().sink);
    try {
      const controller = new AbortController();
      const pidFile = join(wt.path, 'child.pid');
      // The test command starts a child that would outlive it, writes its pid, then waits forever.
      const script =
        "const { spawn } = require('child_process'); const fs = require('fs');" +
        "const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });" +
        `fs.writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); console.log('started'); setInterval(() => {}, 1000);`;
      const running = wt.runTests(
        nodeScript(script),
        (entries) => {
          if (entries.some((e) => e.text === 'started')) controller.abort();
        },
        controller.signal,
      );
      const stopped = await running;
      assert.equal(stopped.passed, false);
      assert.equal(stopped.exitCode, null);
      const childPid = Number(readFileSync(pidFile, 'utf8'));
      await waitFor('the test command’s child to be stopped', () => isGone(childPid));
    } finally {
      await wt.release();
    }
  });
});
