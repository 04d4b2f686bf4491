/**
 * Pure decisions about one run of a job: which prompt it runs, how its commit is described, and the
 * result summary it reports. No I/O here, so each rule is tested on its own.
 */

import type { JobSpec } from '../orchestrator/models/job.ts';
import type { AgentOutcome, AgentUsage } from './agents/agent.ts';
import { clip } from './clip.ts';
import type { WorkspaceErrorCode } from './git/errors.ts';
import type { CommitResult, TestResult } from './git/workspaces.ts';

export interface RunPrompt {
  prompt: string;
  /** True when this run answers a `continue`: the agent resumes its conversation. */
  followUp: boolean;
}

/**
 * A job runs its newest prompt: the last follow-up when it has been continued, else the original.
 * A run that crashed is retried with the same prompt, so a retry never skips a follow-up.
 */
export function promptForRun(spec: JobSpec): RunPrompt {
  const last = spec.follow_ups?.at(-1);
  return last ? { prompt: last.prompt, followUp: true } : { prompt: spec.prompt, followUp: false };
}

const SUBJECT_MAX = 72;

/** The commit subject is the prompt's first line, shortened; the body holds the whole prompt. */
export function commitMessage(prompt: string): { subject: string; body?: string } {
  const firstLine = prompt.trim().split('\n')[0]?.trim() || 'Baton job';
  const subject = clip(firstLine, SUBJECT_MAX - 1, '…');
  const rest = prompt.trim();
  const body = rest === firstLine ? undefined : clip(rest, 4_000, '');
  return body ? { subject, body } : { subject };
}

/** Why a run ended without `done`; recorded as `reason` in the summary. */
export type FailureReason =
  | 'agent_failed'
  | 'agent_unavailable'
  | 'timeout'
  | 'workspace'
  /** The worktree could not be prepared, and the workspace said why (missing_base, setup_failed, ...). */
  | WorkspaceErrorCode
  | 'commit'
  | 'push';

export interface RunFacts {
  agent: string;
  workerId: string;
  attempt: number;
  branch: string;
  base: string;
  worktreePath: string | null;
  baseCommit: string | null;
  followUp: boolean;
  outcome: AgentOutcome | null;
  commit: CommitResult | null;
  pushed: boolean;
  tests: TestResult | null;
  reason?: FailureReason | 'cancelled';
  error?: string;
  durations: Partial<Record<'prepare' | 'agent' | 'commit' | 'tests' | 'push' | 'total', number>>;
}

const MESSAGE_MAX = 16_000;
const clipped = (text: string | null | undefined): string | null =>
  text == null ? null : clip(text, MESSAGE_MAX);

/** The `result_summary` a worker reports: what a person wants to see about the run. */
export function resultSummary(facts: RunFacts) {
  const usage: AgentUsage | null = facts.outcome?.usage ?? null;
  return {
    agent: facts.agent,
    worker_id: facts.workerId,
    attempt: facts.attempt,
    follow_up: facts.followUp,
    branch: facts.branch,
    base: facts.base,
    base_commit: facts.baseCommit,
    worktree_path: facts.worktreePath,
    commit: facts.commit?.commit ?? null,
    files_changed: facts.commit?.files ?? [],
    insertions: facts.commit?.insertions ?? 0,
    deletions: facts.commit?.deletions ?? 0,
    pushed: facts.pushed,
    tests_passed: facts.tests ? facts.tests.passed : null,
    tests: facts.tests
      ? {
          command: facts.tests.command,
          passed: facts.tests.passed,
          exit_code: facts.tests.exitCode,
          duration_ms: facts.tests.durationMs,
        }
      : null,
    final_message: clipped(facts.outcome?.finalMessage),
    question: clipped(facts.outcome?.question),
    conversation_id: facts.outcome?.conversationId ?? null,
    usage,
    durations_ms: facts.durations,
    ...(facts.reason ? { reason: facts.reason } : {}),
    ...(facts.error ? { error: clipped(facts.error) } : {}),
  };
}
