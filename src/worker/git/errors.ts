/**
 * Typed errors of the git workspace layer. `GitError` is a git command that failed (with git's own
 * words); `WorkspaceError` is a refusal or a problem of ours, with a stable code the worker can put in
 * a job's failure reason.
 */

export type WorkspaceErrorCode =
  | 'bad_repo_url'
  | 'bad_branch'
  | 'unsafe_path'
  | 'missing_base'
  | 'worktree_mismatch'
  | 'bad_repo_config'
  | 'setup_failed';

export class WorkspaceError extends Error {
  readonly code: WorkspaceErrorCode;

  constructor(code: WorkspaceErrorCode, message: string) {
    super(message);
    this.name = 'WorkspaceError';
    this.code = code;
  }
}

/** A URL fit for a log line or an error message: any password in it is hidden. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^/:@]+):[^/@]*@/i, '$1:***@');
}

/** How much of git's stderr an error keeps: the end, where git says what went wrong. */
const STDERR_TAIL_CHARS = 2_000;

export class GitError extends Error {
  readonly args: readonly string[];
  readonly cwd: string;
  /** null when git was stopped by a signal or could not be started. */
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(args: readonly string[], cwd: string, exitCode: number | null, stderr: string) {
    const tail = stderr.trim().slice(-STDERR_TAIL_CHARS);
    const status = exitCode === null ? 'did not finish' : `exited with ${exitCode}`;
    // The message reaches job logs and summaries: a password in a repository URL must not.
    super(`git ${args.map(displayUrl).join(' ')} ${status}${tail ? `: ${tail}` : ''}`);
    this.name = 'GitError';
    this.args = args;
    this.cwd = cwd;
    this.exitCode = exitCode;
    this.stderr = tail;
  }
}
