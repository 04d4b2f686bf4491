/**
 * Committing a job's work: every change in the worktree (added, modified, deleted, untracked but not
 * ignored) in one commit whose message names the job in a `Baton-Job: <id>` trailer, and the
 * per-file line counts of that commit. The message and numstat parsing are pure.
 */
import { type GitIdentity, git } from './git.ts';

export interface FileChange {
  path: string;
  /** 0 for a binary file, as git reports no line counts for it. */
  insertions: number;
  deletions: number;
}

export interface CommitResult {
  commit: string;
  files: FileChange[];
  insertions: number;
  deletions: number;
}

export interface CommitMessage {
  subject: string;
  body?: string;
}

export const TRAILER_KEY = 'Baton-Job';
const SUBJECT_MAX = 72;

/** `subject` (first line, whitespace collapsed, at most 72 characters), body, then the job trailer. */
export function commitMessageText(message: CommitMessage, jobId: string): string {
  const firstLine = message.subject.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  let subject = firstLine.replace(/\s+/g, ' ').trim();
  if (subject.length > SUBJECT_MAX) subject = `${subject.slice(0, SUBJECT_MAX - 1).trimEnd()}…`;
  if (subject === '') subject = `Baton job ${jobId}`;
  const body = message.body?.replace(/\r\n/g, '\n').trim();
  return [subject, ...(body ? [body] : []), `${TRAILER_KEY}: ${jobId}`].join('\n\n').concat('\n');
}

/** Parses `git diff-tree --numstat -z --no-renames`: `<ins>\t<del>\t<path>\0` per file, `-` for binary. */
export function parseNumstat(output: string): FileChange[] {
  return output
    .split('\0')
    .filter((record) => record !== '')
    .map((record) => {
      const [insertions = '', deletions = '', ...rest] = record.split('\t');
      return {
        path: rest.join('\t'),
        insertions: insertions === '-' ? 0 : Number(insertions),
        deletions: deletions === '-' ? 0 : Number(deletions),
      };
    });
}

/**
 * Stages everything and commits it; null when there was nothing to commit. Hooks are skipped and
 * signing is off: Baton commits on its own, and a hook or a missing signing key (both from the
 * user's setup, not the job) must not fail the job after the agent's work is done.
 */
export async function commitAll(
  worktree: string,
  jobId: string,
  message: CommitMessage,
  options: { identity: GitIdentity; env?: NodeJS.ProcessEnv },
): Promise<CommitResult | null> {
  const run = (args: string[], input?: string, okExitCodes?: number[]) =>
    git(args, { cwd: worktree, env: options.env, identity: options.identity, input, okExitCodes });
  await run(['add', '--all']);
  const staged = await run(['diff', '--cached', '--name-only', '-z']);
  if (staged === '') return null;
  await run(
    ['-c', 'commit.gpgsign=false', 'commit', '--no-verify', '--quiet', '--cleanup=whitespace', '--file=-'],
    commitMessageText(message, jobId),
  );
  const commit = (await run(['rev-parse', '--verify', 'HEAD'])).trim();
  const files = parseNumstat(
    await run(['diff-tree', '-r', '--root', '--no-commit-id', '--numstat', '-z', '--no-renames', commit]),
  );
  return {
    commit,
    files,
    insertions: files.reduce((sum, file) => sum + file.insertions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
  };
}
