/**
 * A worktree held by one job between `prepare` and `release`: commit, push, tests, discard. Writes
 * to the shared cache (commit, push) take the cache's lock; `release` records the outcome in the
 * registry and hands the worktree to the next job waiting for it.
 */
import { performance } from 'node:perf_hooks';
import { type CommitMessage, type CommitResult, commitAll } from './commit.ts';
import { type GitIdentity, git, gitEnv } from './git.ts';
import type { RepoConfig } from './repo-config.ts';
import { type CommandOutcome, type LogSink, runCommand } from './run-command.ts';
import type { TestResult, Worktree } from './worktree.ts';
import { readRecord, type WorktreeRecord, writeRecord } from './worktree-registry.ts';

export interface PreparedWorktreeOptions {
  root: string;
  path: string;
  created: boolean;
  baseCommit: string;
  config: RepoConfig;
  jobId: string;
  branch: string;
  pushed: boolean;
  identity: GitIdentity;
  env?: NodeJS.ProcessEnv;
  now: () => number;
  /** Runs work under the cache repository's lock. */
  withRepoLock: <T>(work: () => Promise<T>) => Promise<T>;
  /** Lets the next prepare of this path proceed. */
  unlock: () => void;
}

export class PreparedWorktree implements Worktree {
  readonly path: string;
  readonly created: boolean;
  readonly baseCommit: string;
  readonly config: RepoConfig;
  readonly #options: PreparedWorktreeOptions;
  /** Whether the newest commit made here is pushed; starts from the registry's word. */
  #pushed: boolean;
  #released = false;

  constructor(options: PreparedWorktreeOptions) {
    this.path = options.path;
    this.created = options.created;
    this.baseCommit = options.baseCommit;
    this.config = options.config;
    this.#options = options;
    this.#pushed = options.pushed;
  }

  async commitAll(message: CommitMessage): Promise<CommitResult | null> {
    const { identity, env, jobId } = this.#options;
    const result = await this.#options.withRepoLock(() =>
      commitAll(this.path, jobId, message, { identity, env }),
    );
    if (result) this.#pushed = false;
    return result;
  }

  async push(): Promise<void> {
    const refspec = `HEAD:refs/heads/${this.#options.branch}`;
    await this.#options.withRepoLock(() =>
      git(['push', '--quiet', '--set-upstream', 'origin', refspec], {
        cwd: this.path,
        env: this.#options.env,
      }),
    );
    this.#pushed = true;
  }

  /**
   * Runs the test command in the worktree. Exit code 0 passes. When `signal` aborts, the command and
   * everything it started are stopped and the answer is a failure with exit code null (not an
   * exception): the caller decides what a stopped run means.
   */
  async runTests(command: string[], onLog: LogSink, signal?: AbortSignal): Promise<TestResult> {
    const say = (text: string) => onLog([{ stream: 'test', text }]);
    say(`running tests: ${JSON.stringify(command)}`);
    const started = performance.now();
    const result = (exitCode: number | null): TestResult => ({
      passed: exitCode === 0,
      exitCode,
      durationMs: performance.now() - started,
      command,
    });
    let outcome: CommandOutcome;
    try {
      outcome = await runCommand(command, {
        cwd: this.path,
        env: gitEnv(this.#options.env, this.#options.identity),
        onLog,
        streams: { out: 'test-out', err: 'test-err' },
        signal,
      });
    } catch (error) {
      if (!signal?.aborted) throw error;
      say('tests stopped');
      return result(null);
    }
    if (outcome.spawnError) say(`test command could not start: ${outcome.spawnError}`);
    say(outcome.exitCode === 0 ? 'tests passed' : `tests failed (exit code ${outcome.exitCode})`);
    return result(outcome.exitCode);
  }

  async discardChanges(): Promise<void> {
    const run = (args: string[]) => git(args, { cwd: this.path, env: this.#options.env });
    await run(['reset', '--hard', '--quiet', 'HEAD']);
    // -ff: also nested repositories the agent may have cloned. Ignored files (such as a copied
    // .env or node_modules) stay: they were not the run's work.
    await run(['clean', '-ffd', '--quiet']);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const { root, path, now, unlock } = this.#options;
    try {
      const current = await readRecord(root, path);
      if (current) {
        const next: WorktreeRecord = {
          ...current,
          last_used_at: now(),
          pushed: this.#pushed,
        };
        await writeRecord(root, next);
      }
    } finally {
      unlock();
    }
  }
}
