/**
 * The contract between the worker and a coding agent. An adapter is pure: it turns an invocation
 * into an argv array (never a shell string) and reads the agent's stdout one line at a time.
 * Running the process is `run-agent.ts`'s job, so adapters can be tested over recorded streams.
 */

export interface AgentInvocation {
  prompt: string;
  /** Resume this conversation (a follow-up) when set; start a new one when null. */
  conversationId: string | null;
  model?: string;
}

export interface AgentUsage {
  input_tokens?: number;
  cached_input_tokens?: number;
  output_tokens?: number;
  total_cost_usd?: number;
  num_turns?: number;
}

export interface AgentOutcome {
  status: 'done' | 'failed' | 'awaiting_input';
  /** The agent's last message. */
  finalMessage: string | null;
  /** Set when status is awaiting_input. */
  question: string | null;
  /** thread_id / session_id seen in the stream (or the one resumed). */
  conversationId: string | null;
  usage: AgentUsage | null;
  /** Set when status is failed: a clear one-line reason. */
  error: string | null;
}

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

export interface AgentStreamReader {
  /** One stdout line (no newline). Returns readable log lines rendered from it (often 0 or 1). */
  line(line: string): string[];
  /** Once, after the process exited. */
  finish(exit: AgentExit): AgentOutcome;
}

export interface AgentAdapter {
  readonly name: string;
  /** How a person sets this agent's program path, for error messages, e.g. "--codex-path or BATON_CODEX_PATH". */
  readonly pathSetting: string;
  /** The program and its arguments. Never run through a shell. */
  argv(invocation: AgentInvocation): string[];
  createReader(): AgentStreamReader;
}

/** One line of an agent's output, for the job's logs. */
export interface AgentLogEntry {
  stream: 'agent' | 'stdout' | 'stderr';
  text: string;
}

export interface RunAgentOptions {
  adapter: AgentAdapter;
  invocation: AgentInvocation;
  cwd: string;
  /** Merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Called as output arrives (the caller batches them). */
  onLog: (entries: AgentLogEntry[]) => void;
  /** Abort = stop the agent's whole process group. */
  signal?: AbortSignal;
  /** Past it, stop the agent; result.stopped = 'timeout'. */
  timeoutMs?: number;
  /** SIGTERM to the group, SIGKILL after this (default 5000). */
  graceMs?: number;
}

export interface AgentRunResult {
  /** For a stopped run: status 'failed' with a clear error. */
  outcome: AgentOutcome;
  stopped: null | 'aborted' | 'timeout';
  pid: number | undefined;
}
