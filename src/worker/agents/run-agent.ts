/**
 * Runs one agent invocation as a child process and supervises it: no shell, its own process group,
 * stdout read line by line through the adapter's reader, stderr kept as a bounded tail, the whole
 * group stopped on abort or timeout (SIGTERM, then SIGKILL after a grace period) and also once the
 * agent itself has exited (a background server it left behind must not outlive the run).
 * It resolves only after the agent exited and its output ended, and never rejects for agent problems:
 * every failure becomes an outcome with a one-line `error`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import type { AgentAdapter, AgentExit, AgentOutcome, AgentRunResult, RunAgentOptions } from './agent.ts';
import { AgentProcess } from './agent-process.ts';
import { failedOutcome, oneLine } from './reader-support.ts';

export type { AgentLogEntry, AgentRunResult, RunAgentOptions } from './agent.ts';

export const DEFAULT_GRACE_MS = 5_000;

export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const { adapter, invocation } = options;
  const result = (
    outcome: AgentOutcome,
    stopped: AgentRunResult['stopped'],
    pid?: number,
  ): AgentRunResult => ({
    outcome: { ...outcome, conversationId: outcome.conversationId ?? invocation.conversationId },
    stopped,
    pid,
  });
  const cannotStart = (why: string) =>
    result(failedOutcome(`agent '${adapter.name}' could not start: ${why}`, none), null);

  if (options.signal?.aborted) {
    return result(
      failedOutcome(`agent '${adapter.name}' was not started: the run was aborted`, none),
      'aborted',
    );
  }
  const folderProblem = checkFolder(options.cwd);
  if (folderProblem) return cannotStart(folderProblem);
  let argv: string[];
  let child: ChildProcess;
  try {
    argv = adapter.argv(invocation);
    child = startChild(argv, options);
  } catch (error) {
    return cannotStart(oneLine((error as Error).message));
  }
  const run = new AgentProcess(child, adapter, options, options.graceMs ?? DEFAULT_GRACE_MS);
  const ended = await run.ended();
  if (ended.spawnError) return cannotStart(spawnProblem(adapter, argv[0] ?? '', ended.spawnError));
  const outcome = finishReader(run, adapter, ended.exit);
  if (!run.stopped) return result(outcome, null, child.pid);
  return result(
    { ...outcome, status: 'failed', question: null, error: stopReason(adapter, run.stopped, options) },
    run.stopped,
    child.pid,
  );
}

/** Never a shell: the prompt is one argv element, so no text in it can become a command. */
function startChild([program = '', ...args]: string[], options: RunAgentOptions): ChildProcess {
  return spawn(program, args, {
    cwd: options.cwd,
    // The agent inherits the worker's environment (its PATH, its API keys) plus the caller's additions.
    env: options.env ? { ...process.env, ...options.env } : process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const none = { finalMessage: null, conversationId: null, usage: null };

function finishReader(run: AgentProcess, adapter: AgentAdapter, exit: AgentExit): AgentOutcome {
  try {
    return run.reader.finish(exit);
  } catch (error) {
    return failedOutcome(`reading ${adapter.name}'s output failed: ${(error as Error).message}`, none);
  }
}

function checkFolder(cwd: string): string | null {
  try {
    return statSync(cwd).isDirectory() ? null : `its working folder ${cwd} is not a folder`;
  } catch {
    return `its working folder ${cwd} does not exist`;
  }
}

function spawnProblem(adapter: AgentAdapter, program: string, error: NodeJS.ErrnoException): string {
  const fix = `set its path with ${adapter.pathSetting}`;
  if (error.code === 'ENOENT') return `program '${program}' was not found; ${fix}`;
  if (error.code === 'EACCES') return `program '${program}' is not executable (permission denied); ${fix}`;
  return `program '${program}' failed to start (${error.code ?? error.message}); ${fix}`;
}

function stopReason(adapter: AgentAdapter, stopped: 'aborted' | 'timeout', options: RunAgentOptions): string {
  return stopped === 'timeout'
    ? `agent '${adapter.name}' was stopped: it ran longer than its timeout of ${options.timeoutMs} ms`
    : `agent '${adapter.name}' was stopped: the run was aborted`;
}
