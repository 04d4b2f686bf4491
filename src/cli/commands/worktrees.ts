/**
 * `baton worktrees [prune] [--worktrees DIR] [--older-than AGE] [--dry-run]`: the worktrees a worker
 * made on this machine, with the jobs that used them; `prune` removes those nobody needs any more.
 *
 * A worktree is kept while any job that used it, or any unfinished job on the same repository and
 * branch, is pending, running or awaiting input. Otherwise it is removed when its work is pushed (or
 * its jobs never push), or, with `--older-than`, when it has been unused that long. Removal never
 * touches a path outside the worktrees folder (see `removeWorktree`).
 */
import { resolve } from 'node:path';
import { BatonApiError } from '../../client/errors.ts';
import type { JobView } from '../../client/types.ts';
import {
  listWorktrees,
  type PruneJob,
  pruneDecision,
  removeWorktree,
  type WorktreeListing,
} from '../../worker/git/worktree-registry.ts';
import { relativeTime, renderTable } from '../format.ts';
import { type ClientCommand, type CommandContext, stringFlag, UsageError } from './command.ts';

const UNFINISHED = ['pending', 'running', 'awaiting_input'];
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m`, `12h`, `7d`, `500ms` or a bare number of milliseconds. */
export function parseAge(text: string): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match)
    throw new UsageError(
      `--older-than must be a number with a unit (ms, s, m, h, d), such as 7d; got '${text}'`,
    );
  return Number(match[1]) * (UNITS[match[2] ?? 'ms'] as number);
}

export const worktreesCommand: ClientCommand = {
  name: 'worktrees',
  options: {
    worktrees: { type: 'string' },
    'older-than': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(context: CommandContext) {
    const [action, ...extra] = context.positionals;
    if (extra.length > 0 || (action !== undefined && action !== 'prune')) {
      throw new UsageError("expects no argument or 'prune'");
    }
    const root = resolve(
      context.io.cwd,
      stringFlag(context.flags, 'worktrees') ?? (context.env.BATON_WORKTREES || './.baton/worktrees'),
    );
    const olderThan = stringFlag(context.flags, 'older-than');
    const olderThanMs = olderThan === undefined ? undefined : parseAge(olderThan);
    const worktrees = await listWorktrees(root);
    if (worktrees.length === 0) {
      context.io.stdout(`No worktrees in ${root}.\n`);
      return 0;
    }
    const now = Date.now();
    // Every unfinished job: any of them may be about to use a worktree on its repository and branch.
    const unfinished = await context.client.listAllJobs({ status: UNFINISHED });
    const rows: string[][] = [];
    let removed = 0;
    for (const worktree of worktrees) {
      const jobs = await jobsOf(context, worktree, unfinished);
      const decision = pruneDecision(worktree, jobs.map(toPruneJob), now, olderThanMs);
      let outcome = decision.prune ? 'can be pruned' : 'kept';
      if (action === 'prune' && decision.prune) {
        if (context.flags['dry-run'] === true) outcome = 'would be removed';
        else {
          await removeWorktree(root, worktree.path);
          removed++;
          outcome = 'removed';
        }
      }
      rows.push([
        worktree.path,
        worktree.branch,
        jobs.map((job) => `${job.id.slice(-8)}:${job.status}`).join(' ') || '-',
        worktree.exists ? (worktree.pushed ? 'yes' : 'no') : 'gone',
        relativeTime(new Date(worktree.last_used_at).toISOString(), now),
        `${outcome} (${decision.reason})`,
      ]);
    }
    context.io.stdout(
      renderTable(['PATH', 'BRANCH', 'JOBS', 'PUSHED', 'USED', action === 'prune' ? 'PRUNE' : 'STATE'], rows),
    );
    if (action === 'prune') context.io.stdout(`${removed} worktree(s) removed.\n`);
    return 0;
  },
};

/** The jobs that used the worktree (a deleted one is left out), plus unfinished jobs on its branch. */
async function jobsOf(context: CommandContext, worktree: WorktreeListing, unfinished: JobView[]) {
  const jobs = new Map<string, JobView>();
  for (const job of unfinished) {
    if (job.repo_url === worktree.repo_url && job.branch_name === worktree.branch) jobs.set(job.id, job);
  }
  const known = new Map(unfinished.map((job) => [job.id, job]));
  for (const id of worktree.job_ids) {
    const seen = known.get(id);
    if (seen) {
      jobs.set(id, seen);
      continue;
    }
    try {
      jobs.set(id, await context.client.getJob(id));
    } catch (error) {
      if (!(error instanceof BatonApiError && error.code === 'not_found')) throw error;
    }
  }
  return [...jobs.values()];
}

const toPruneJob = (job: JobView): PruneJob => ({
  id: job.id,
  status: job.status,
  push_mode: job.push_mode,
  updated_at: Date.parse(job.updated_at),
});
