/** What a prepared worktree offers the worker: the contract between `Workspaces` and a job's run. */
import type { JobSpec } from '../../orchestrator/models/job.ts';
import type { CommitResult } from './commit.ts';
import type { RepoConfig } from './repo-config.ts';
import type { LogSink } from './run-command.ts';

/** The part of a Job record a workspace needs (src/orchestrator/models/job.ts). */
export interface WorkspaceJob {
  id: string;
  repo_url: string;
  base_ref: string;
  branch_name: string;
  worktree_path: string | null;
  spec_json: JobSpec;
  push_mode: 'always' | 'never';
}

export interface TestResult {
  passed: boolean;
  /** null when the command was stopped by a signal or could not start. */
  exitCode: number | null;
  durationMs: number;
  command: string[];
}

/** A prepared worktree, held by one job until release(). */
export interface Worktree {
  /** Absolute (symlinks resolved), under the root. */
  path: string;
  /** False when reused (a follow-up on the same branch). */
  created: boolean;
  /** HEAD when prepared. */
  baseCommit: string;
  /** `.baton.json` merged with spec_json (the job wins). */
  config: RepoConfig;
  /** Commits every change (added, modified, deleted, untracked not ignored); null when nothing changed.
   * Message: the subject's first line (shortened), the body, then a blank line and `Baton-Job: <id>`. */
  commitAll(message: { subject: string; body?: string }): Promise<CommitResult | null>;
  /** Pushes the branch to the repository's origin (the job's repo_url), setting it as upstream. */
  push(): Promise<void>;
  runTests(command: string[], onLog: LogSink, signal?: AbortSignal): Promise<TestResult>;
  /** Throws away uncommitted changes (reset --hard + clean): when a run is cancelled or its lease lost. */
  discardChanges(): Promise<void>;
  /** Records the last use and whether the last commit is pushed, and lets the next prepare of this path proceed. */
  release(): Promise<void>;
}
