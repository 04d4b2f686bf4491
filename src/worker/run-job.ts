/**
 * Runs one claimed job from start to report: prepare its worktree, run its agent while the lease is
 * kept alive and logs stream out, then commit, test, push and complete with the lease token.
 *
 * Every way a run can end is decided here, in one place:
 * - the agent finished: commit, test, push, complete `done` (or `awaiting_input` when it asked);
 * - the agent failed or ran past `timeout_ms`: complete `failed` (the worktree is kept for a follow-up);
 * - a cancel was requested: stop the agent, throw its changes away, complete `cancelled`;
 * - the lease was lost: stop the agent, throw its changes away, report nothing (someone else owns it);
 * - the worker is shutting down: stop the agent, throw its changes away, release the job.
 */

import type { BatonClient } from '../client/client.ts';
import { BatonApiError, BatonConnectionError } from '../client/errors.ts';
import type { JobView } from '../client/types.ts';
import type { AgentRegistry } from './agents/registry.ts';
import { runAgent } from './agents/run-agent.ts';
import { WorkspaceError } from './git/errors.ts';
import type { Workspaces, Worktree } from './git/workspaces.ts';
import { LeaseKeeper, type LeaseStop } from './lease-keeper.ts';
import { LogBatcher, type LogLine } from './log-batcher.ts';
import { commitMessage, type FailureReason, promptForRun, type RunFacts, resultSummary } from './run-plan.ts';

export interface JobRunnerDeps {
  client: BatonClient;
  workspaces: Workspaces;
  agents: AgentRegistry;
  defaultAgent: string;
  workerId: string;
  /** The worker's own diagnostics (not the job's logs). */
  say: (line: string) => void;
}

export type StopReason = LeaseStop | 'shutdown';

/** How a run ended, for the worker's own bookkeeping and tests. */
export type RunEnd = 'done' | 'failed' | 'awaiting_input' | 'cancelled' | 'lease_lost' | 'released';

export async function runJob(job: JobView, deps: JobRunnerDeps, shutdown: AbortSignal): Promise<RunEnd> {
  const token = job.lease_token;
  if (!token) throw new Error(`claimed job ${job.id} came without a lease token`);
  const started = Date.now();
  const stop = new AbortController();
  let stopReason: StopReason | undefined;
  const stopWith = (reason: StopReason) => {
    if (stopReason) return;
    stopReason = reason;
    stop.abort(reason);
  };
  const onShutdown = () => stopWith('shutdown');
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener('abort', onShutdown, { once: true });

  const logs = new LogBatcher({
    sender: deps.client,
    jobId: job.id,
    leaseToken: token,
    onLeaseLost: () => stopWith('lease_lost'),
    onSendError: (error) => deps.say(`job ${job.id}: could not send logs (${describe(error)}); will retry`),
  });
  const lease = new LeaseKeeper({
    client: deps.client,
    jobId: job.id,
    leaseToken: token,
    leaseExpiresAt: job.lease_expires_at,
    onStop: stopWith,
    onError: (error) => deps.say(`job ${job.id}: heartbeat failed (${describe(error)}); will retry`),
  });
  lease.start();

  const agentName = job.spec_json.agent ?? deps.defaultAgent;
  const { prompt, followUp } = promptForRun(job.spec_json);
  const facts: RunFacts = {
    agent: agentName,
    workerId: deps.workerId,
    attempt: job.attempt,
    branch: job.branch_name,
    base: job.base_ref,
    worktreePath: null,
    baseCommit: null,
    followUp,
    outcome: null,
    commit: null,
    pushed: false,
    tests: null,
    durations: {},
  };
  const note = (text: string) => logs.add([{ stream: 'baton', text }]);
  const addLogs = (entries: readonly LogLine[]) => logs.add(entries);
  let worktree: Worktree | undefined;
  let worktreeReleased = false;
  /** Lets the next run on this worktree proceed; before the report, so a finished job's worktree is settled. */
  const releaseWorktree = async () => {
    if (!worktree || worktreeReleased) return;
    worktreeReleased = true;
    await worktree.release().catch((error: unknown) => {
      deps.say(`job ${job.id}: could not release the worktree: ${describe(error)}`);
    });
  };

  const timed = async <T>(phase: keyof RunFacts['durations'], work: () => Promise<T>): Promise<T> => {
    const at = Date.now();
    try {
      return await work();
    } finally {
      facts.durations[phase] = Date.now() - at;
    }
  };

  const finish = async (
    status: 'done' | 'failed' | 'awaiting_input' | 'cancelled',
    extra: { reason?: RunFacts['reason']; error?: string } = {},
  ): Promise<RunEnd> => {
    Object.assign(facts, extra);
    facts.durations.total = Date.now() - started;
    if (extra.error) note(`error: ${extra.error}`);
    note(`finished: ${status}`);
    await releaseWorktree();
    await lease.stop();
    // The logs go first, so whoever sees the job finished can read every line of it.
    await logs.close(DELIVERY_DEADLINE_MS);
    if (logs.leaseLost) return 'lease_lost';
    try {
      const body = {
        status,
        lease_token: token,
        result_summary: resultSummary(facts),
        conversation_id: facts.outcome?.conversationId ?? job.conversation_id ?? null,
      };
      await untilDelivered(() => deps.client.complete(job.id, body), deps.say);
      return status;
    } catch (error) {
      if (error instanceof BatonApiError && error.code === 'stale_lease') return 'lease_lost';
      throw error;
    }
  };

  /** The run is stopped from outside: its output is thrown away; then cancel, release or walk away. */
  const abandon = async (reason: StopReason): Promise<RunEnd> => {
    if (worktree) {
      await worktree.discardChanges().catch((error: unknown) => {
        deps.say(`job ${job.id}: could not discard changes in ${worktree?.path}: ${describe(error)}`);
      });
    }
    if (reason === 'cancel') {
      note('cancel requested: the agent was stopped and its changes thrown away');
      return finish('cancelled', { reason: 'cancelled' });
    }
    await lease.stop();
    if (reason === 'lease_lost') {
      deps.say(`job ${job.id}: lease lost; the run's output was thrown away`);
      await logs.close().catch(() => {});
      return 'lease_lost';
    }
    note('the worker is shutting down: the job goes back to the queue');
    await logs.close().catch(() => {});
    try {
      await untilDelivered(() => deps.client.release(job.id, token, 'worker shutting down'), deps.say);
      return 'released';
    } catch (error) {
      if (error instanceof BatonApiError && error.code === 'stale_lease') return 'lease_lost';
      throw error;
    }
  };

  const fail = (reason: FailureReason, error: string) => finish('failed', { reason, error });

  try {
    note(
      `attempt ${job.attempt} on worker ${deps.workerId}: agent ${agentName}${followUp ? ' (follow-up)' : ''}`,
    );
    const adapter = deps.agents.get(agentName);
    if (!adapter) {
      return await fail(
        'agent_unavailable',
        `unknown agent '${agentName}'; this worker has: ${deps.agents.names().join(', ') || 'none'}` +
          (agentName === 'command' ? ' (configure it with --agent-command or BATON_AGENT_COMMAND)' : ''),
      );
    }

    let tree: Worktree;
    try {
      tree = await timed('prepare', () => deps.workspaces.prepare(job, addLogs, stop.signal));
    } catch (error) {
      if (stopReason) return await abandon(stopReason);
      // The workspace's own code (missing_base, setup_failed, ...) says what went wrong.
      const reason = error instanceof WorkspaceError ? error.code : 'workspace';
      return await fail(reason, `could not prepare the worktree: ${describe(error)}`);
    }
    worktree = tree;
    facts.worktreePath = tree.path;
    facts.baseCommit = tree.baseCommit;
    note(`worktree ${tree.path} (${tree.created ? 'new' : 'reused'}) at ${tree.baseCommit.slice(0, 12)}`);
    if (stopReason) return await abandon(stopReason);

    const run = await timed('agent', () =>
      runAgent({
        adapter,
        invocation: {
          prompt,
          conversationId: job.conversation_id,
          ...(job.spec_json.model ? { model: job.spec_json.model } : {}),
        },
        cwd: tree.path,
        onLog: addLogs,
        signal: stop.signal,
        ...(job.spec_json.timeout_ms ? { timeoutMs: job.spec_json.timeout_ms } : {}),
      }),
    );
    facts.outcome = run.outcome;
    if (stopReason) return await abandon(stopReason);
    if (run.stopped === 'timeout') {
      return await fail('timeout', run.outcome.error ?? 'the agent ran longer than timeout_ms');
    }
    if (run.outcome.status === 'failed') {
      return await fail('agent_failed', run.outcome.error ?? 'the agent failed');
    }
    if (run.outcome.status === 'awaiting_input') {
      note(`the agent asks: ${run.outcome.question ?? run.outcome.finalMessage ?? ''}`);
      return await finish('awaiting_input');
    }

    try {
      facts.commit = await timed('commit', () => tree.commitAll(commitMessage(prompt)));
    } catch (error) {
      return await fail('commit', `could not commit: ${describe(error)}`);
    }
    note(
      facts.commit
        ? `committed ${facts.commit.commit.slice(0, 12)} (${facts.commit.files.length} files)`
        : 'no changes to commit',
    );

    const testCommand = tree.config.test_command;
    if (testCommand && !stopReason) {
      facts.tests = await timed('tests', () => tree.runTests(testCommand, addLogs, stop.signal));
    }
    if (stopReason === 'lease_lost' || stopReason === 'shutdown') return await abandon(stopReason);
    // A cancel that arrives after the commit does not undo it: the work had ended (as the
    // orchestrator records a `done` reported after a cancel request). Pushing is skipped, though.
    if (job.push_mode === 'always' && !stopReason) {
      try {
        await timed('push', () => tree.push());
        facts.pushed = true;
        note(`pushed ${job.branch_name}`);
      } catch (error) {
        return await fail('push', `could not push ${job.branch_name}: ${describe(error)}`);
      }
    }
    return await finish('done');
  } catch (error) {
    // Anything unexpected (the orchestrator unreachable at the end, a bug): leave the job to its
    // lease; the reaper gives it back to the queue.
    deps.say(`job ${job.id}: run failed unexpectedly: ${describe(error)}`);
    await lease.stop();
    await logs.close().catch(() => {});
    throw error;
  } finally {
    shutdown.removeEventListener('abort', onShutdown);
    await lease.stop();
    await releaseWorktree();
  }
}

const DELIVERY_DEADLINE_MS = 30_000;

/**
 * Sends a report until the orchestrator answers: it may be restarting, or its database briefly
 * unable to write (503). Repeating is safe: the same completion again is answered 200 and changes
 * nothing, and a release that already happened answers stale_lease, which ends the retries.
 */
async function untilDelivered<T>(send: () => Promise<T>, say: (line: string) => void): Promise<T> {
  const deadline = Date.now() + DELIVERY_DEADLINE_MS;
  for (let pause = 250; ; pause = Math.min(pause * 2, 5_000)) {
    try {
      return await send();
    } catch (error) {
      const transient =
        error instanceof BatonConnectionError || (error instanceof BatonApiError && error.status >= 500);
      if (!transient || Date.now() + pause > deadline) throw error;
      say(`report not delivered (${describe(error)}); trying again in ${pause} ms`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

export const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
