/**
 * Creating a job's worktree from the cache, or proving an existing folder is that worktree before
 * it is reused. Runs under the cache's lock (it writes the cache's refs and worktree list).
 *
 * Where a new worktree starts: the local branch when the cache still has it (from a pruned worktree;
 * fast-forwarded to origin when origin is ahead), else `origin/<branch>` when the branch was pushed,
 * else the base (`origin/<base_ref>`, then a tag, then a commit).
 */
import { displayUrl, WorkspaceError } from './errors.ts';
import { git, gitResult } from './git.ts';
import type { LogSink } from './run-command.ts';

export interface CheckoutContext {
  cacheDir: string;
  path: string;
  branch: string;
  baseRef: string;
  repoUrl: string;
  env?: NodeJS.ProcessEnv;
  onLog: LogSink;
  signal?: AbortSignal;
}

export async function createWorktree(context: CheckoutContext): Promise<void> {
  const { cacheDir, path, branch } = context;
  const run = (args: string[]) => git(args, { cwd: cacheDir, env: context.env, signal: context.signal });
  const log = (text: string) => context.onLog([{ stream: 'git', text }]);
  // A worktree folder deleted by hand leaves git's bookkeeping behind, which would block the add.
  await run(['worktree', 'prune']);
  const local = await commitOf(cacheDir, `refs/heads/${branch}`, context.env);
  const remote = await commitOf(cacheDir, `refs/remotes/origin/${branch}`, context.env);
  if (local) {
    if (remote && remote !== local && (await isAncestor(cacheDir, local, remote, context.env))) {
      await run(['update-ref', `refs/heads/${branch}`, remote, local]);
    }
    await run(['worktree', 'add', '--quiet', '--', path, branch]);
    log(`created worktree ${path} on existing branch ${branch}`);
    return;
  }
  if (remote) {
    await run(['worktree', 'add', '--quiet', '--no-track', '-b', branch, '--', path, remote]);
    log(`created worktree ${path} on branch ${branch} from origin/${branch} (${remote.slice(0, 10)})`);
    return;
  }
  const base = await resolveBase(context);
  await run(['worktree', 'add', '--quiet', '--no-track', '-b', branch, '--', path, base.commit]);
  log(`created worktree ${path} on new branch ${branch} from ${base.name} (${base.commit.slice(0, 10)})`);
}

/** Proves `path` is a worktree of this cache on the job's branch, so reusing it is safe. */
export async function assertReusable(context: CheckoutContext): Promise<void> {
  const { path, branch, cacheDir } = context;
  const ask = (args: string[]) =>
    git(args, { cwd: path, env: context.env }).then(
      (out) => out.trim(),
      () => '',
    );
  const top = await ask(['rev-parse', '--show-toplevel']);
  const common = await ask(['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (top !== path || common !== `${cacheDir}/.git`) {
    throw new WorkspaceError(
      'worktree_mismatch',
      `${path} exists but is not a worktree of ${displayUrl(context.repoUrl)}; remove it or choose another worktree_path`,
    );
  }
  const current = await ask(['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (current !== branch) {
    throw new WorkspaceError(
      'worktree_mismatch',
      `${path} is on ${current ? `branch ${current}` : 'a detached HEAD'}, not on ${branch}`,
    );
  }
  context.onLog([{ stream: 'git', text: `reusing worktree ${path} (branch ${branch})` }]);
}

async function resolveBase(context: CheckoutContext): Promise<{ name: string; commit: string }> {
  const { baseRef, cacheDir, env } = context;
  const candidates = [`refs/remotes/origin/${baseRef}`, `refs/tags/${baseRef}`, baseRef];
  for (const candidate of candidates) {
    const commit = await commitOf(cacheDir, candidate, env);
    if (commit) return { name: candidate.replace(/^refs\/(remotes|tags)\//, ''), commit };
  }
  throw new WorkspaceError(
    'missing_base',
    `base_ref '${baseRef}' was not found in ${displayUrl(context.repoUrl)}: it is not a branch, tag or commit there`,
  );
}

/** The commit a ref names, or null when it does not exist. */
async function commitOf(cwd: string, ref: string, env?: NodeJS.ProcessEnv): Promise<string | null> {
  const out = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd,
    env,
    okExitCodes: [1, 128],
  });
  return out.trim() || null;
}

async function isAncestor(
  cwd: string,
  older: string,
  newer: string,
  env?: NodeJS.ProcessEnv,
): Promise<boolean> {
  const result = await gitResult(['merge-base', '--is-ancestor', older, newer], {
    cwd,
    env,
    okExitCodes: [1],
  });
  return result.exitCode === 0;
}
