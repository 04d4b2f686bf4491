/**
 * Where things live under the worktrees root, and the checks that keep every path inside it.
 *
 *   <root>/.repos/<repo-key>        one clone per repository (its origin is the job's repo_url)
 *   <root>/.meta/<hash>.json        the registry: one record per worktree
 *   <root>/<repo-key>/<branch>      a worktree ('/' in the branch becomes '__'), or <root>/<worktree_path>
 *
 * Repo keys never start with '.', so no worktree can land in `.repos` or `.meta`.
 */
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { branchNameProblem, repoUrlProblem } from '../../orchestrator/models/naming.ts';
import { WorkspaceError } from './errors.ts';

export const REPOS_DIR = '.repos';
export const META_DIR = '.meta';

export interface RepoSource {
  /** The URL git clones and pushes to: the job's repo_url as given. */
  url: string;
  /** The form the cache key is computed from (a resolved path, or the URL without trailing '/'). */
  normalized: string;
  /** The repository's folder when it is on this machine, else null. */
  localPath: string | null;
}

/** Classifies a job's repo_url. Refuses anything git could read as an option or a helper transport. */
export function parseRepoUrl(url: string): RepoSource {
  const refuse = (why: string) => new WorkspaceError('bad_repo_url', `repo_url '${url}' ${why}`);
  // The API refuses these already; a job stored by an older Baton is checked again here.
  const problem = repoUrlProblem(url);
  if (problem) throw refuse(problem);
  if (/^file:/i.test(url)) {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch {
      throw refuse('is not a valid file:// URL');
    }
    return { url, normalized: resolve(path), localPath: resolve(path) };
  }
  if (isAbsolute(url)) return { url, normalized: resolve(url), localPath: resolve(url) };
  return { url, normalized: url.replace(/\/+$/, ''), localPath: null };
}

/** `<readable name>-<10 hex digits of sha256(normalized)>`: stable, short, never starting with '.'. */
export function repoKey(source: RepoSource): string {
  const name = basename(source.normalized.replace(/[:/\\]+$/, '').replace(/^.*[:/\\]/, ''))
    .replace(/\.git$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(source.normalized).digest('hex').slice(0, 10);
  return `${name || 'repo'}-${hash}`;
}

export function assertBranchName(branch: string, what = 'branch_name'): void {
  const problem = branchNameProblem(branch);
  if (problem) throw new WorkspaceError('bad_branch', `${what} '${branch}' ${problem}`);
}

export const branchDirName = (branch: string): string => branch.replaceAll('/', '__');

/** True when `child` is below `parent` (never equal). Both must be absolute and normalized. */
export function isStrictlyInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Resolves `candidate` (relative to `root`, or absolute) and proves it lies strictly inside `root`
 * once symlinks are followed: the deepest part that exists is resolved with realpath, so a symlink
 * inside the root that points elsewhere cannot be used to escape.
 */
export async function resolveInside(
  root: string,
  candidate: string,
  what: string,
  options: { allowBatonFolders?: boolean } = {},
): Promise<string> {
  const realRoot = await realpath(root);
  const wanted = resolve(realRoot, candidate);
  const real = await realpathOfDeepestExisting(wanted);
  if (!isStrictlyInside(realRoot, real)) {
    throw new WorkspaceError('unsafe_path', `${what} '${candidate}' is not inside ${realRoot}`);
  }
  const top = relative(realRoot, real).split(sep)[0];
  if (!options.allowBatonFolders && (top === REPOS_DIR || top === META_DIR)) {
    throw new WorkspaceError('unsafe_path', `${what} '${candidate}' is inside Baton's own ${top} folder`);
  }
  return real;
}

async function realpathOfDeepestExisting(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = dirname(current);
      if (parent === current) throw error;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** True when `path` is an existing folder. */
export const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
