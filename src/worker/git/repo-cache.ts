/**
 * The clone cache: each repository is cloned once into `<root>/.repos/<key>` (a normal clone whose
 * `origin` is the job's repo_url) and fetched before each job. The clone has no checkout and no
 * local branches, its HEAD detached: worktrees hold every branch, and a branch checked out in the
 * cache itself (such as `main`) could not be checked out in any worktree. Callers serialize
 * operations on one cache (git locks its refs).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { displayUrl } from './errors.ts';
import { git } from './git.ts';
import { isDirectory, REPOS_DIR, type RepoSource } from './locations.ts';
import type { LogSink } from './run-command.ts';

export interface CacheContext {
  env?: NodeJS.ProcessEnv;
  onLog: LogSink;
  signal?: AbortSignal;
}

/** Clones the repository when the cache lacks it, else fetches it. Answers the cache folder. */
export async function ensureCache(
  root: string,
  source: RepoSource,
  key: string,
  context: CacheContext,
): Promise<string> {
  const dir = join(root, REPOS_DIR, key);
  const log = (text: string) => context.onLog([{ stream: 'git', text }]);
  const run = (args: string[], cwd: string) => git(args, { cwd, env: context.env, signal: context.signal });
  if (await isDirectory(join(dir, '.git'))) {
    log(`fetching ${displayUrl(source.url)}`);
    await run(['fetch', '--prune', '--quiet', 'origin'], dir);
    return dir;
  }
  // A folder without .git is what a crash mid-clone leaves; clones go to a temp name first, so only
  // a clone from an older layout or a hand edit gets here. It is inside .repos, so removing it is safe.
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(root, REPOS_DIR), { recursive: true });
  const temp = join(root, REPOS_DIR, `.clone-${key}-${randomBytes(4).toString('hex')}`);
  log(`cloning ${displayUrl(source.url)}`);
  try {
    await run(['clone', '--no-checkout', '--quiet', '--', source.url, temp], root);
    await detachHead(temp, run);
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

async function detachHead(dir: string, run: (args: string[], cwd: string) => Promise<string>): Promise<void> {
  const head = await run(['rev-parse', '--verify', '--quiet', 'HEAD'], dir).catch(() => '');
  if (head.trim() === '') return; // an empty repository: nothing to detach
  await run(['update-ref', '--no-deref', 'HEAD', head.trim()], dir);
  const branches = (await run(['for-each-ref', '--format=%(refname)', 'refs/heads/'], dir))
    .split('\n')
    .filter(Boolean);
  for (const ref of branches) await run(['update-ref', '-d', ref], dir);
}
