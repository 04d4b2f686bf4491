/**
 * Git workspaces for jobs: one clone per repository (the cache), one worktree per branch, created
 * on a job's first run and reused by its follow-ups. Owns two in-process lock families: one per
 * cache repository (git locks its refs and index, so operations on one cache take turns) and one
 * per worktree path (a worktree is held by one job from `prepare` until `release`). Locks are
 * always taken in that order (path, then repository), so they cannot deadlock.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { displayUrl } from './errors.ts';
import { type GitIdentity, git, gitEnv } from './git.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import {
  assertBranchName,
  branchDirName,
  isDirectory,
  parseRepoUrl,
  type RepoSource,
  repoKey,
  resolveInside,
} from './locations.ts';
import { PreparedWorktree } from './prepared-worktree.ts';
import { ensureCache } from './repo-cache.ts';
import { loadRepoConfig, type RepoConfig } from './repo-config.ts';
import type { LogSink } from './run-command.ts';
import { assertReusable, type CheckoutContext, createWorktree } from './worktree-checkout.ts';
import { readRecord, type WorktreeRecord, writeRecord } from './worktree-registry.ts';
import { copyFiles, runSetupCommand } from './worktree-setup.ts';

export type { CommitMessage, CommitResult, FileChange } from './commit.ts';
export { GitError, WorkspaceError, type WorkspaceErrorCode } from './errors.ts';
export type { GitIdentity } from './git.ts';
export type { RepoConfig } from './repo-config.ts';
export type { LogEntry, LogSink } from './run-command.ts';

import type { WorkspaceJob, Worktree } from './worktree.ts';

export type { TestResult, WorkspaceJob, Worktree } from './worktree.ts';

export interface WorkspacesOptions {
  /** The worktrees folder; created when missing. */
  root: string;
  /** Author and committer of every commit Baton makes. */
  identity: GitIdentity;
  /** Environment for git and for setup and test commands; the process's own when absent. */
  env?: NodeJS.ProcessEnv;
  /** The time recorded in the registry (epoch ms). */
  now?: () => number;
}

export class Workspaces {
  readonly #options: WorkspacesOptions;
  readonly #now: () => number;
  readonly #repoLocks = new KeyedMutex();
  readonly #pathLocks = new KeyedMutex();

  constructor(options: WorkspacesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Clones the repository once (or fetches it), then creates or reuses the worktree of the job's
   * branch. Setup (copy files, then the setup command) runs when the worktree is created, and again
   * on the next prepare if it failed. Waits while another job holds the same worktree.
   */
  async prepare(job: WorkspaceJob, onLog: LogSink, signal?: AbortSignal): Promise<Worktree> {
    assertBranchName(job.branch_name);
    assertBranchName(job.base_ref, 'base_ref');
    const source = parseRepoUrl(job.repo_url);
    const key = repoKey(source);
    await mkdir(this.#options.root, { recursive: true });
    const root = await realpath(this.#options.root);
    const wanted = job.worktree_path ?? join(key, branchDirName(job.branch_name));
    const path = await resolveInside(root, wanted, 'worktree_path');

    const unlock = await this.#pathLocks.acquire(path);
    try {
      signal?.throwIfAborted();
      return await this.#prepareHeld({ job, source, key, root, path, onLog, signal, unlock });
    } catch (error) {
      unlock();
      throw error;
    }
  }

  async #prepareHeld(p: {
    job: WorkspaceJob;
    source: RepoSource;
    key: string;
    root: string;
    path: string;
    onLog: LogSink;
    signal: AbortSignal | undefined;
    unlock: () => void;
  }): Promise<Worktree> {
    const { job, source, key, root, path, onLog, signal } = p;
    const env = this.#options.env;
    const created = await this.#repoLocks.run(key, async () => {
      const cacheDir = await ensureCache(root, source, key, { env, onLog, signal });
      const context: CheckoutContext = {
        cacheDir,
        path,
        branch: job.branch_name,
        baseRef: job.base_ref,
        repoUrl: job.repo_url,
        env,
        onLog,
        signal,
      };
      if (await isDirectory(path)) {
        await assertReusable(context);
        return false;
      }
      await createWorktree(context);
      return true;
    });
    let record = await this.#register({ root, path, source, key, job, created });
    const config = await loadRepoConfig(path, job.spec_json);
    if (!record.setup_done) {
      await this.#setup(source, key, path, config, onLog, signal);
      record = { ...record, setup_done: true };
      await writeRecord(root, record);
    }
    const baseCommit = (await git(['rev-parse', '--verify', 'HEAD'], { cwd: path, env })).trim();
    return new PreparedWorktree({
      root,
      path,
      created,
      baseCommit,
      config,
      jobId: job.id,
      branch: job.branch_name,
      pushed: record.pushed,
      identity: this.#options.identity,
      env,
      now: this.#now,
      withRepoLock: (work) => this.#repoLocks.run(key, work),
      unlock: p.unlock,
    });
  }

  /** Records that this job uses the worktree (a fresh record when the worktree was just created). */
  async #register(p: {
    root: string;
    path: string;
    source: RepoSource;
    key: string;
    job: WorkspaceJob;
    created: boolean;
  }): Promise<WorktreeRecord> {
    const now = this.#now();
    const previous = await readRecord(p.root, p.path);
    const jobIds = previous?.job_ids.includes(p.job.id)
      ? previous.job_ids
      : [...(previous?.job_ids ?? []), p.job.id];
    const record: WorktreeRecord =
      previous && !p.created
        ? { ...previous, job_ids: jobIds, last_used_at: now }
        : {
            path: p.path,
            repo_url: p.source.url,
            repo_key: p.key,
            branch: p.job.branch_name,
            job_ids: jobIds,
            created_at: now,
            last_used_at: now,
            pushed: false,
            // A folder reused without a record (the registry was deleted) was set up when made.
            setup_done: !p.created,
          };
    await writeRecord(p.root, record);
    return record;
  }

  async #setup(
    source: RepoSource,
    key: string,
    path: string,
    config: RepoConfig,
    onLog: LogSink,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const files = config.setup?.copy_files ?? [];
    if (files.length > 0) {
      const from = source.localPath;
      // Under the cache's lock: copying also edits the repository's shared exclude file.
      if (from) await this.#repoLocks.run(key, () => copyFiles(from, path, files, onLog));
      else
        onLog([
          {
            stream: 'setup',
            text: `copy_files skipped: ${displayUrl(source.url)} is not a local repository`,
          },
        ]);
    }
    const command = config.setup?.command;
    if (command) {
      await runSetupCommand(command, path, gitEnv(this.#options.env, this.#options.identity), onLog, signal);
    }
  }
}
