/**
 * A small typed git runner. git is started without a shell from an argv array; its identity and
 * its refusal to prompt come from the environment given here, so nothing in the user's global git
 * config is needed (and no prompt can hang a worker waiting for a password nobody will type).
 */
import { spawn } from 'node:child_process';
import { GitError } from './errors.ts';

export interface GitIdentity {
  name: string;
  email: string;
}

export interface GitOptions {
  cwd: string;
  /** The child's environment; the parent's when absent. Identity and prompt settings are added on top. */
  env?: NodeJS.ProcessEnv;
  identity?: GitIdentity;
  signal?: AbortSignal;
  /** Written to git's stdin (such as a commit message for `commit -F -`). */
  input?: string;
  /** Exit codes that are answers rather than failures (such as 1 for `diff --quiet`). */
  okExitCodes?: readonly number[];
}

export interface GitResult {
  stdout: string;
  exitCode: number;
}

/**
 * Variables that point git at another repository. Inherited from a parent that runs inside git (a
 * hook, say), they would make every command act on that repository instead of the one in `cwd`.
 */
const REPOSITORY_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
];

/** The environment git runs with: the base, no terminal prompts, and the commit identity. */
export function gitEnv(base: NodeJS.ProcessEnv | undefined, identity?: GitIdentity): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(base ?? process.env), GIT_TERMINAL_PROMPT: '0' };
  for (const name of REPOSITORY_VARIABLES) delete env[name];
  if (identity) {
    env.GIT_AUTHOR_NAME = identity.name;
    env.GIT_AUTHOR_EMAIL = identity.email;
    env.GIT_COMMITTER_NAME = identity.name;
    env.GIT_COMMITTER_EMAIL = identity.email;
  }
  return env;
}

/** Runs git and answers its stdout; throws `GitError` on a non-zero exit (unless listed as ok). */
export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  return (await gitResult(args, options)).stdout;
}

/** Like `git`, and also answers the exit code, for commands whose exit code is the answer. */
export function gitResult(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const { cwd, signal } = options;
  return new Promise<GitResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const child = spawn('git', args, {
      cwd,
      env: gitEnv(options.env, options.identity),
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // git may exit before reading all of its stdin (an early failure): that is not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.on('error', (error) => {
      if (signal?.aborted) reject(abortReason(signal));
      else reject(new GitError(args, cwd, null, error.message));
    });
    child.on('close', (code) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const text = Buffer.concat(stdout).toString('utf8');
      if (code === 0 || (code !== null && options.okExitCodes?.includes(code))) {
        resolve({ stdout: text, exitCode: code });
      } else {
        reject(new GitError(args, cwd, code, Buffer.concat(stderr).toString('utf8')));
      }
    });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
