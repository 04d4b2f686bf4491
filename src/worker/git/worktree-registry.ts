/**
 * The worktree registry: what Baton knows about each worktree it made (which jobs used it, when it
 * was last used, whether its commits are pushed), one JSON file per worktree under `<root>/.meta/`.
 * Files are replaced atomically (temp file + rename), so a reader never sees half a record, even
 * from another process such as `baton worktrees`. Also here: the pure prune rule and the one
 * function that deletes a worktree, which refuses anything outside the root.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Job, JobStatus } from '../../orchestrator/models/job.ts';
import { WorkspaceError } from './errors.ts';
import { git } from './git.ts';
import { isStrictlyInside, META_DIR, REPOS_DIR, resolveInside } from './locations.ts';

export interface WorktreeRecord {
  /** Absolute (symlinks resolved), under the root. */
  path: string;
  repo_url: string;
  repo_key: string;
  branch: string;
  /** Every job that prepared this worktree, oldest first, each once. */
  job_ids: string[];
  created_at: number;
  last_used_at: number;
  /** True when the last commit made here was pushed; false until a push succeeds. */
  pushed: boolean;
  /** True once the setup (copy files, setup command) succeeded; a failed setup runs again next time. */
  setup_done: boolean;
}

export interface WorktreeListing extends WorktreeRecord {
  /** False when the folder is gone (deleted by hand): the record is stale. */
  exists: boolean;
}

const metaDir = (root: string) => join(root, META_DIR);
const metaFile = (root: string, path: string) =>
  join(metaDir(root), `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.json`);

export async function readRecord(root: string, path: string): Promise<WorktreeRecord | null> {
  try {
    return parseRecord(await readFile(metaFile(root, path), 'utf8'), metaFile(root, path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Writes the record atomically: a reader sees the old file or the new one, never a mix. */
export async function writeRecord(root: string, record: WorktreeRecord): Promise<void> {
  const file = metaFile(root, record.path);
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function deleteRecord(root: string, path: string): Promise<void> {
  await rm(metaFile(root, path), { force: true });
}

/** Every recorded worktree, by path, with whether its folder still exists. */
export async function listWorktrees(root: string): Promise<WorktreeListing[]> {
  let names: string[];
  try {
    names = await readdir(metaDir(root));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const listings: WorktreeListing[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const file = join(metaDir(root), name);
    const record = parseRecord(await readFile(file, 'utf8'), file);
    const exists = await stat(record.path).then(
      (info) => info.isDirectory(),
      () => false,
    );
    listings.push({ ...record, exists });
  }
  return listings.sort((a, b) => a.path.localeCompare(b.path));
}

function parseRecord(text: string, file: string): WorktreeRecord {
  const data = JSON.parse(text) as Partial<WorktreeRecord>;
  if (typeof data.path !== 'string' || typeof data.branch !== 'string' || !Array.isArray(data.job_ids)) {
    throw new Error(`${file} is not a worktree record`);
  }
  return data as WorktreeRecord;
}

export type PruneJob = Pick<Job, 'id' | 'status' | 'push_mode' | 'updated_at'>;
export interface PruneDecision {
  prune: boolean;
  reason: string;
}

/** Statuses of a job that still needs its worktree: a worktree they need is never pruned. */
const NEEDS_WORKTREE: readonly JobStatus[] = ['pending', 'running', 'awaiting_input'];

/**
 * Whether `baton worktrees prune` may remove a worktree. Pure. `jobs`: the jobs that used it (those
 * that were deleted are simply absent) plus any job waiting for the same repository and branch.
 */
export function pruneDecision(
  worktree: Pick<WorktreeRecord, 'job_ids' | 'last_used_at' | 'pushed'> & { exists?: boolean },
  jobs: readonly PruneJob[],
  now: number,
  olderThanMs?: number,
): PruneDecision {
  const active = jobs.find((job) => NEEDS_WORKTREE.includes(job.status));
  if (active) return { prune: false, reason: `job ${active.id} is ${active.status}` };
  if (worktree.exists === false) return { prune: true, reason: 'its folder is gone' };
  if (worktree.pushed) return { prune: true, reason: 'every job finished and its work is pushed' };
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const localOnly =
    worktree.job_ids.length > 0 && worktree.job_ids.every((id) => byId.get(id)?.push_mode === 'never');
  if (localOnly)
    return { prune: true, reason: 'every job finished and none of them pushes (push_mode never)' };
  const lastUsed = Math.max(worktree.last_used_at, ...jobs.map((job) => job.updated_at));
  const idleMs = now - lastUsed;
  if (olderThanMs !== undefined && idleMs >= olderThanMs) {
    return { prune: true, reason: `every job finished; unused for ${formatAge(idleMs)} (unpushed work)` };
  }
  return { prune: false, reason: `its work is not pushed (last used ${formatAge(idleMs)} ago)` };
}

function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}

/**
 * Removes a worktree (`git worktree remove --force`, from the repository cache it belongs to) and
 * its record. Refuses any path not strictly inside the root once symlinks are resolved, anything
 * in Baton's own folders, and any folder that is not the top of a worktree of a Baton cache.
 */
export async function removeWorktree(
  root: string,
  path: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const target = await resolveInside(root, path, 'worktree');
  const realRoot = await realpath(root);
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) {
    const run = (args: string[], cwd: string) => git(args, { cwd, env: options.env });
    const top = (await run(['rev-parse', '--show-toplevel'], target).catch(() => '')).trim();
    const common = (
      await run(['rev-parse', '--path-format=absolute', '--git-common-dir'], target).catch(() => '')
    ).trim();
    const cacheDir = dirname(common);
    if (top !== target || !isStrictlyInside(join(realRoot, REPOS_DIR), cacheDir)) {
      throw new WorkspaceError('unsafe_path', `'${path}' is not a worktree of a Baton repository cache`);
    }
    await run(['worktree', 'remove', '--force', '--', target], cacheDir);
  } else {
    const record = await readRecord(realRoot, target);
    const cacheDir = record && join(realRoot, REPOS_DIR, record.repo_key);
    // The folder was deleted by hand: let git forget its administrative files too.
    if (cacheDir) await git(['worktree', 'prune'], { cwd: cacheDir, env: options.env }).catch(() => {});
  }
  await deleteRecord(realRoot, target);
}
