/**
 * The client commands against a real server over real HTTP: in-process through runClientCommand
 * with captured output, and as real `baton` child processes. Git repositories are real, in temp folders.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runClientCommand } from '../../src/cli/commands/index.ts';
import { BatonClient } from '../../src/client/client.ts';
import { exitCode, runBaton } from '../baton-process.ts';
import {
  closedPortUrl,
  type ServerFixture,
  startServer,
  GIT_ENV as TEST_GIT_ENV,
  tempDir,
  waitFor,
} from '../helpers.ts';

const GIT_ENV = { ...process.env, ...TEST_GIT_ENV };

/** A real repository with one commit, checked out on `branch`. */
function makeRepo(parent: string, branch: string): string {
  const path = join(parent, 'repo');
  execFileSync('git', ['init', '-q', '-b', branch, path], { env: GIT_ENV });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'init'], { cwd: path, env: GIT_ENV });
  return realpathSync(path);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('client commands', () => {
  let server: ServerFixture;
  let client: BatonClient;
  let dir: { path: string; remove: () => void };
  let out: string;
  let err: string;

  /** Runs `baton <args>` in-process; output is captured into `out` and `err` as it is written. */
  const start = (args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}) => {
    out = '';
    err = '';
    const [name, ...rest] = args;
    return runClientCommand(
      name!,
      rest,
      { BATON_URL: server.url, ...options.env },
      {
        stdout: (text) => {
          out += text;
        },
        stderr: (text) => {
          err += text;
        },
        cwd: options.cwd ?? dir.path,
        readStdin: async () => options.stdin ?? '',
      },
    );
  };
  const baton = async (args: string[], options: Parameters<typeof start>[1] = {}): Promise<Run> => {
    const code = await start(args, options);
    return { code, stdout: out, stderr: err };
  };
  const submit = async (...args: string[]) => {
    const run = await baton(['submit', '--repo', '/srv/repos/app', ...args]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout.trim();
  };
  const claimAndComplete = async (id: string, status: 'done' | 'failed', summary?: unknown) => {
    const claimed = await client.claim({ workerId: 'test-worker' });
    assert.equal(claimed?.id, id);
    return client.complete(id, { status, lease_token: claimed!.lease_token, result_summary: summary });
  };
  const assertOneErrorLine = (run: Run, code: string) => {
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^baton: [^\\n]+ \\(${code}\\)\\n$`), run.stderr);
    assert.equal(run.stdout, '');
  };

  beforeEach(async () => {
    server = await startServer();
    client = new BatonClient({ url: server.url });
    dir = tempDir('baton-cli-');
  });
  afterEach(async () => {
    await server.cleanup();
    dir.remove();
  });

  describe('submit', () => {
    it('prints only the id; the job has the absolute repo path and the current branch as base', async () => {
      const repo = makeRepo(dir.path, 'feature/login');
      const nested = join(repo, 'src');
      mkdirSync(nested);
      const run = await baton(['submit', 'Add a login form'], { cwd: nested });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^[0-9a-f-]{36}\n$/);
      const job = await client.getJob(run.stdout.trim());
      assert.equal(job.repo_url, repo, 'the repository top folder, absolute');
      assert.equal(job.base_ref, 'feature/login');
      assert.equal(job.spec_json.prompt, 'Add a login form');
      assert.equal(job.status, 'pending');
    });

    it('resolves a relative --repo against the working folder and lets --base win', async () => {
      const repo = makeRepo(dir.path, 'develop');
      const run = await baton(['submit', '--repo', 'repo', '--base', 'release/1.0', 'Bump the version']);
      assert.equal(run.code, 0, run.stderr);
      const job = await client.getJob(run.stdout.trim());
      assert.equal(job.repo_url, repo);
      assert.equal(job.base_ref, 'release/1.0');
    });

    it('passes a remote URL as it is and leaves the base to the server default', async () => {
      const id = (await baton(['submit', '--repo', 'git@example.com:team/app.git', 'Fix the build'])).stdout;
      const job = await client.getJob(id.trim());
      assert.equal(job.repo_url, 'git@example.com:team/app.git');
      assert.equal(job.base_ref, 'main');
    });

    it('sends every option, with --depends-on repeated', async () => {
      const first = await submit('First part');
      const second = await submit('Second part');
      const id = await submit(
        '--depends-on',
        first,
        '--depends-on',
        second,
        '--branch',
        'feat/third',
        '--agent',
        'claude',
        '--model',
        'opus',
        '--feature',
        'checkout',
        '--push',
        'never',
        '--priority',
        '7',
        '--worker-type',
        'gpu',
        '--test-command',
        '["npm","test"]',
        '--timeout-ms',
        '60000',
        'Third part',
      );
      const job = await client.getJob(id);
      assert.deepEqual(job.depends_on, [first, second]);
      assert.equal(job.branch_name, 'feat/third');
      assert.equal(job.feature_id, 'checkout');
      assert.equal(job.push_mode, 'never');
      assert.equal(job.priority, 7);
      assert.equal(job.worker_type, 'gpu');
      assert.deepEqual(job.spec_json, {
        prompt: 'Third part',
        agent: 'claude',
        model: 'opus',
        test_command: ['npm', 'test'],
        timeout_ms: 60000,
      });
    });

    it("reads the prompt from stdin when it is '-'", async () => {
      const run = await baton(['submit', '--repo', '/srv/repos/app', '-'], {
        stdin: 'Refactor the parser\nand keep the tests green\n',
      });
      assert.equal(run.code, 0, run.stderr);
      const job = await client.getJob(run.stdout.trim());
      assert.equal(job.spec_json.prompt, 'Refactor the parser\nand keep the tests green');
    });

    for (const [args, why] of [
      [['--bogus', 'x'], 'an unknown flag'],
      [['--push', 'sometimes', 'x'], 'a bad --push'],
      [['--test-command', 'npm test', 'x'], 'a --test-command that is not a JSON argv'],
      [['--priority', 'high', 'x'], 'a --priority that is not a number'],
      [[], 'no prompt'],
      [['one', 'two'], 'two prompts'],
    ] as const) {
      it(`refuses ${why} with one line and exit 2, creating nothing`, async () => {
        const run = await baton(['submit', '--repo', '/srv/repos/app', ...args]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /^baton submit: [^\n]+\n$/);
        assert.equal(run.stdout, '');
        assert.deepEqual((await client.listJobs()).jobs, []);
      });
    }

    it('sends a folder that is not a git repository as an absolute path, with the default base', async () => {
      mkdirSync(join(dir.path, 'plain'));
      const run = await baton(['submit', '--repo', 'plain', 'x']);
      assert.equal(run.code, 0, run.stderr);
      const job = await client.getJob(run.stdout.trim());
      assert.equal(job.repo_url, join(dir.path, 'plain'));
      assert.equal(job.base_ref, 'main');
    });

    it('reports a refusal from the API as one line with its code', async () => {
      const run = await baton(['submit', '--repo', '/srv/repos/app', '--branch', 'a..b', 'x']);
      assertOneErrorLine(run, 'validation_failed');
    });
  });

  describe('jobs', () => {
    it('lists jobs newest first in a table with full ids, and filters by status', async () => {
      const older = await submit('Add a health check endpoint');
      const newer = await submit('--agent', 'codex', 'Write the changelog');
      await client.cancel(older);
      const all = await baton(['jobs']);
      assert.equal(all.code, 0, all.stderr);
      const lines = all.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^ID\s+STATUS\s+ATTEMPT\s+AGENT\s+BRANCH\s+UPDATED\s+PROMPT$/);
      assert.equal(lines.length, 3);
      assert.match(
        lines[1]!,
        new RegExp(`^${newer}\\s+pending\\s+0\\s+codex\\s+baton/\\S+\\s+.+Write the changelog$`),
      );
      assert.match(lines[2]!, new RegExp(`^${older}\\s+cancelled\\s+0\\s+-\\s+`));
      assert.ok(!all.stdout.includes('\u001b['), 'no colour when not on a terminal');
      const cancelled = await baton(['jobs', '--status', 'cancelled,failed']);
      assert.ok(cancelled.stdout.includes(older));
      assert.ok(!cancelled.stdout.includes(newer));
    });

    it('shows --limit jobs, or every page with --all', async () => {
      for (let i = 0; i < 3; i++) await submit(`Job ${i}`);
      const limited = await baton(['jobs', '--limit', '2']);
      assert.equal(limited.stdout.trimEnd().split('\n').length, 3);
      const all = await baton(['jobs', '--all']);
      assert.equal(all.stdout.trimEnd().split('\n').length, 4);
    });

    it('says so when there are no jobs', async () => {
      assert.deepEqual(await baton(['jobs']), { code: 0, stdout: 'No jobs.\n', stderr: '' });
    });

    it('passes a bad status to the API and reports its refusal', async () => {
      assertOneErrorLine(await baton(['jobs', '--status', 'finished']), 'validation_failed');
    });
  });

  describe('show', () => {
    it('prints the fields, the result summary and the history', async () => {
      const id = await submit('--agent', 'codex', 'Add a health check endpoint');
      await claimAndComplete(id, 'done', { commit: 'abc123', files: ['src/health.ts'] });
      const run = await baton(['show', id]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^id:\\s+${id}$`, 'm'));
      assert.match(run.stdout, /^status:\s+done$/m);
      assert.match(run.stdout, /^agent:\s+codex$/m);
      assert.match(run.stdout, /^repo:\s+\/srv\/repos\/app$/m);
      assert.ok(run.stdout.includes('Prompt:\n  Add a health check endpoint\n'), run.stdout);
      assert.ok(run.stdout.includes('"commit": "abc123"'), 'the summary, pretty-printed');
      const history = run.stdout.split('History:\n')[1] ?? '';
      assert.match(history, /created\s+- -> pending.*by api/);
      assert.match(history, /claimed\s+pending -> running\s+attempt 1\s+by test-worker/);
      assert.match(history, /completed\s+running -> done/);
    });

    it('reports an unknown job as one line with not_found', async () => {
      assertOneErrorLine(await baton(['show', '01900000-0000-7000-8000-000000000000']), 'not_found');
    });
  });

  describe('logs', () => {
    it('prints agent lines as they are and other streams with their name', async () => {
      const id = await submit('Add logs');
      await client.appendLogs(id, [
        { stream: 'agent', text: 'Reading src/app.ts' },
        { stream: 'stderr', text: 'warning: one\nwarning: two\n' },
        { stream: 'agent', text: 'Done.\n' },
      ]);
      const run = await baton(['logs', id]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'Reading src/app.ts\n[stderr] warning: one\n[stderr] warning: two\nDone.\n');
    });

    it('reports an unknown job rather than printing nothing', async () => {
      assertOneErrorLine(await baton(['logs', '01900000-0000-7000-8000-000000000000']), 'not_found');
    });

    it('follows the logs while the job runs and ends when it completes, missing nothing', async () => {
      const id = await submit('Follow me');
      const claimed = await client.claim({ workerId: 'w1' });
      assert.ok(claimed);
      await client.appendLogs(id, [{ stream: 'agent', text: 'first' }], claimed.lease_token);
      const following = start(['logs', id, '--follow']);
      let ended = false;
      void following.then(() => {
        ended = true;
      });
      await waitFor('the first line', () => out.includes('first\n'));
      await client.appendLogs(id, [{ stream: 'agent', text: 'second' }], claimed.lease_token);
      await waitFor('the second line', () => out.includes('second\n'));
      assert.equal(ended, false, 'still following while the job runs');
      await client.appendLogs(id, [{ stream: 'stdout', text: 'last words' }], claimed.lease_token);
      await client.complete(id, { status: 'done', lease_token: claimed.lease_token });
      assert.equal(await following, 0);
      assert.equal(out, 'first\nsecond\n[stdout] last words\n');
    });
  });

  describe('wait', () => {
    it('shows progress on stderr and exits 0 with done on stdout', async () => {
      const id = await submit('Wait for me');
      const waiting = start(['wait', id]);
      await waitFor('the pending line', () => err.includes(`job ${id} pending, attempt 0`));
      const claimed = await client.claim({ workerId: 'w1' });
      await waitFor('the running line', () => err.includes('running, attempt 1, worker w1'));
      await client.complete(id, { status: 'done', lease_token: claimed!.lease_token });
      assert.equal(await waiting, 0);
      assert.equal(out, 'done\n');
    });

    it('exits 1 for a failed job', async () => {
      const id = await submit('Fail');
      await claimAndComplete(id, 'failed');
      const run = await baton(['wait', id]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, 'failed\n');
    });

    it('exits 1 for a job that waits for input', async () => {
      const id = await submit('Ask');
      const claimed = await client.claim({ workerId: 'w1' });
      await client.complete(id, { status: 'awaiting_input', lease_token: claimed!.lease_token });
      const run = await baton(['wait', id]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, 'awaiting_input\n');
    });

    it('exits 124 when the timeout passes first, printing nothing on stdout', async () => {
      const id = await submit('Never picked up');
      const run = await baton(['wait', id, '--timeout-ms', '400']);
      assert.equal(run.code, 124);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /timed out after 400 ms; job \S+ is still pending/);
    });
  });

  describe('cancel, continue and retry', () => {
    it('change the status and print the new status line', async () => {
      const id = await submit('Change me');
      assert.deepEqual(await baton(['cancel', id]), { code: 0, stdout: `${id} cancelled\n`, stderr: '' });
      assert.deepEqual(await baton(['retry', id]), { code: 0, stdout: `${id} pending\n`, stderr: '' });
      await claimAndComplete(id, 'done');
      const continued = await baton(['continue', id, 'Also update the docs']);
      assert.deepEqual(continued, { code: 0, stdout: `${id} pending\n`, stderr: '' });
      const job = await client.getJob(id);
      assert.deepEqual(
        job.spec_json.follow_ups?.map((followUp) => followUp.prompt),
        ['Also update the docs'],
      );
      const shown = await baton(['show', id]);
      assert.match(shown.stdout, /Follow-up 1 \(\d{4}-[^)]+\):\n {2}Also update the docs\n/);
    });

    it('marks a running job as cancel requested', async () => {
      const id = await submit('Long job');
      await client.claim({ workerId: 'w1' });
      assert.equal((await baton(['cancel', id])).stdout, `${id} running (cancel requested)\n`);
    });

    it('report an invalid transition as one line with its code, and exit 1', async () => {
      const id = await submit('Finish me');
      await claimAndComplete(id, 'done');
      const run = await baton(['cancel', id]);
      assertOneErrorLine(run, 'invalid_transition');
      assert.ok(run.stderr.includes(id));
      assert.equal((await client.getJob(id)).status, 'done');
      assertOneErrorLine(await baton(['retry', id]), 'invalid_transition');
    });
  });

  describe('connection and settings', () => {
    it('names the URL and suggests baton up when the orchestrator is down', async () => {
      const url = await closedPortUrl();
      const run = await baton(['jobs'], { env: { BATON_URL: url } });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^baton: [^\n]+\n$/);
      assert.ok(run.stderr.includes(`at ${url}`), run.stderr);
      assert.ok(run.stderr.includes('baton up'), run.stderr);
    });

    it('lets --url win over BATON_URL', async () => {
      const down = await closedPortUrl();
      const run = await baton(['jobs', '--url', server.url], { env: { BATON_URL: down } });
      assert.deepEqual(run, { code: 0, stdout: 'No jobs.\n', stderr: '' });
    });

    it('refuses a bad --url with exit 2', async () => {
      const run = await baton(['jobs', '--url', 'ftp://example.com']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^baton: Invalid --url \(BATON_URL\)[^\n]+\n$/);
    });

    it('sends the token from BATON_TOKEN to a server that requires one', async () => {
      const token = 'a-long-enough-secret-token';
      const guarded = await startServer({ token });
      try {
        const env = { BATON_URL: guarded.url };
        assertOneErrorLine(await baton(['jobs'], { env }), 'unauthorized');
        const run = await baton(['jobs'], { env: { ...env, BATON_TOKEN: token } });
        assert.deepEqual(run, { code: 0, stdout: 'No jobs.\n', stderr: '' });
      } finally {
        await guarded.cleanup();
      }
    });
  });

  describe('the real baton command', () => {
    it('submits from inside a repository and lists the job with baton jobs', async () => {
      const repo = makeRepo(dir.path, 'trunk');
      // `--repo .` must resolve against the process's own working folder, so run it there.
      const submit = runBaton(
        ['submit', '--agent', 'command', 'Touch a file'],
        { ...TEST_GIT_ENV, BATON_URL: server.url },
        { cwd: repo },
      );
      assert.equal(await exitCode(submit.child, 60_000), 0, submit.stderr());
      const stdout = submit.stdout();
      const id = stdout.trim();
      const job = await client.getJob(id);
      assert.equal(job.repo_url, repo);
      assert.equal(job.base_ref, 'trunk');

      const jobs = runBaton(['jobs'], { BATON_URL: server.url });
      assert.equal(await exitCode(jobs.child, 60_000), 0, jobs.stderr());
      assert.match(jobs.stdout(), new RegExp(`^${id}\\s+pending\\s+0\\s+command\\s`, 'm'));
    });

    it('exits 1 with one line when the job is unknown', async () => {
      const run = runBaton(['show', '01900000-0000-7000-8000-000000000000'], { BATON_URL: server.url });
      assert.equal(await exitCode(run.child, 60_000), 1);
      assert.match(run.stderr(), /^baton: [^\n]+ \(not_found\)\n$/);
    });

    it('exits 2 for an unknown flag', async () => {
      const run = runBaton(['jobs', '--colour'], { BATON_URL: server.url });
      assert.equal(await exitCode(run.child, 60_000), 2);
      assert.match(run.stderr(), /^baton jobs: Unknown option '--colour'/);
    });
  });
});
