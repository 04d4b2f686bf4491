/**
 * Real repositories for the workspace tests: a source repository with commits on `main` (and an
 * untracked `.env`), a bare `origin` cloned from it, and a worktrees root, all in one temp folder.
 * git runs with an empty global config, so the tests prove Baton needs nothing from the user's.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitIdentity } from '../../../src/worker/git/git.ts';
import type { LogEntry, WorkspaceJob } from '../../../src/worker/git/workspaces.ts';
import { tempDir } from '../../helpers.ts';

export const IDENTITY: GitIdentity = { name: 'Baton Test', email: 'baton-test@example.invalid' };

export interface GitFixture {
  dir: string;
  /** A normal repository on `main`, with an untracked `.env`. */
  source: string;
  /** A bare clone of `source`: the origin jobs push to. */
  origin: string;
  /** The worktrees root handed to Workspaces. */
  root: string;
  /** The environment for every git command: no global or system config. */
  env: NodeJS.ProcessEnv;
  /** Runs git in `cwd` and answers its trimmed stdout. */
  git(cwd: string, ...args: string[]): string;
  job(overrides?: Partial<WorkspaceJob>): WorkspaceJob;
  remove(): void;
}

export function makeGitFixture(): GitFixture {
  const temp = tempDir('baton-git-');
  const dir = temp.path;
  const emptyConfig = join(dir, 'empty-gitconfig');
  writeFileSync(emptyConfig, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_GLOBAL: emptyConfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: undefined,
    GIT_AUTHOR_EMAIL: undefined,
    GIT_COMMITTER_NAME: undefined,
    GIT_COMMITTER_EMAIL: undefined,
  };
  const identityEnv = {
    ...env,
    GIT_AUTHOR_NAME: 'Fixture',
    GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
    GIT_COMMITTER_NAME: 'Fixture',
    GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
  };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: identityEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();

  const source = join(dir, 'source');
  const origin = join(dir, 'origin.git');
  const root = join(dir, 'worktrees');
  mkdirSync(source);
  git(source, 'init', '--quiet', '-b', 'main');
  writeFileSync(join(source, 'README.md'), '# Sample\n\nA sample project.\n');
  writeFileSync(join(source, 'app.txt'), 'line 1\nline 2\nline 3\n');
  writeFileSync(join(source, 'old.txt'), 'to be deleted\n');
  writeFileSync(join(source, '.gitignore'), 'node_modules/\n');
  git(source, 'add', '--all');
  git(source, 'commit', '--quiet', '-m', 'Initial commit');
  writeFileSync(join(source, 'app.txt'), 'line 1\nline 2\nline 3\nline 4\n');
  git(source, 'commit', '--quiet', '-am', 'Second commit');
  git(source, 'tag', 'v1.0');
  writeFileSync(join(source, '.env'), 'SECRET=from-source\n');
  git(dir, 'clone', '--quiet', '--bare', source, origin);

  return {
    dir,
    source,
    origin,
    root,
    env,
    git,
    job: (overrides = {}) => {
      const id = randomUUID();
      return {
        id,
        repo_url: origin,
        base_ref: 'main',
        branch_name: `baton/test-${id.slice(-8)}`,
        worktree_path: null,
        spec_json: { prompt: 'Change the sample project' },
        push_mode: 'always',
        ...overrides,
      };
    },
    remove: temp.remove,
  };
}

/** A log sink that keeps every entry. */
export function collectLogs(): {
  entries: LogEntry[];
  sink: (entries: LogEntry[]) => void;
  text: () => string;
} {
  const entries: LogEntry[] = [];
  return {
    entries,
    sink: (batch) => entries.push(...batch),
    text: () => entries.map((entry) => `${entry.stream}: ${entry.text}`).join('\n'),
  };
}
