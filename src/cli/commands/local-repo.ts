/**
 * Turns `--repo` into what a worker anywhere on the machine can use: a remote URL stays as it is; a
 * local path becomes absolute (the repository's top folder when it is a git repository), and its
 * current branch is the job's default base. No check here refuses a path: the server validates it.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ResolvedRepo {
  repoUrl: string;
  /** The local repository's current branch (or commit, when detached); undefined for a URL or a non-git folder. */
  currentBase: string | undefined;
}

/** `scheme://...` or scp-like `user@host:path`: left for the worker's git to fetch. */
export const isRemote = (repo: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s@]+@[^/\s:]+:/.test(repo);

export async function resolveRepo(repo: string, cwd: string): Promise<ResolvedRepo> {
  if (isRemote(repo)) return { repoUrl: repo, currentBase: undefined };
  const path = resolve(cwd, repo);
  // A folder that is not here may still be one on the workers' machine: sent as an absolute path.
  if (!isDirectory(path)) return { repoUrl: path, currentBase: undefined };
  const top = await git(path, ['rev-parse', '--show-toplevel']);
  if (top === undefined) return { repoUrl: path, currentBase: undefined };
  const branch = await git(path, ['rev-parse', '--abbrev-ref', 'HEAD']);
  // A detached HEAD names no branch; its commit is the base the person is looking at.
  const base = branch === 'HEAD' ? await git(path, ['rev-parse', 'HEAD']) : branch;
  return { repoUrl: top, currentBase: base || undefined };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** git's trimmed output, or undefined when git fails (not a repository, no commit yet, no git). */
async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 30_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}
