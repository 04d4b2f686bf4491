/**
 * The Codex CLI adapter: `codex exec --json` and its JSONL event stream.
 *
 * The stream's `thread.started` carries the conversation id; `item.*` events carry messages,
 * commands and file changes; `turn.completed` carries token usage; `turn.failed` and `error` carry
 * the reason a run failed. `--skip-git-repo-check` is kept on follow-ups too: the worktree is a git
 * repository anyway, and one argv shape for both is simpler to check.
 */
import type {
  AgentAdapter,
  AgentExit,
  AgentInvocation,
  AgentOutcome,
  AgentStreamReader,
  AgentUsage,
} from './agent.ts';
import {
  addUsage,
  arr,
  conversationId,
  describeExit,
  exitedCleanly,
  failedOutcome,
  type JsonObject,
  num,
  obj,
  oneLine,
  parseJsonObject,
  str,
  succeededOutcome,
} from './reader-support.ts';

export function createCodexAdapter(codexPath: string): AgentAdapter {
  return {
    name: 'codex',
    pathSetting: '--codex-path or BATON_CODEX_PATH',
    argv: (invocation) => codexArgv(codexPath, invocation),
    createReader: () => new CodexReader(),
  };
}

export function codexArgv(codexPath: string, { prompt, conversationId, model }: AgentInvocation): string[] {
  const base = [codexPath, 'exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check'];
  const modelArgs = model ? ['-m', model] : [];
  return conversationId
    ? [...base, ...modelArgs, 'resume', conversationId, prompt]
    : [...base, ...modelArgs, prompt];
}

class CodexReader implements AgentStreamReader {
  private conversationId: string | null = null;
  private finalMessage: string | null = null;
  private usage: AgentUsage | null = null;
  /** turn.failed's message: the run failed, whatever the exit code says. */
  private turnFailure: string | null = null;
  /** The last top-level `error` event: fatal only when no turn.completed follows (codex also reports retries so). */
  private lastError: string | null = null;
  private turnCompleted = false;

  line(line: string): string[] {
    const event = parseJsonObject(line);
    if (!event) return [];
    switch (event.type) {
      case 'thread.started':
        this.conversationId = conversationId(event.thread_id) ?? this.conversationId;
        return this.conversationId ? [`codex thread ${this.conversationId}`] : [];
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return this.item(String(event.type), obj(event.item));
      case 'turn.completed':
        return this.turnDone(obj(event.usage));
      case 'turn.failed': {
        const message = str(obj(event.error)?.message) ?? 'turn failed';
        this.turnFailure = message;
        return [`turn failed: ${oneLine(message)}`];
      }
      case 'error': {
        const message = str(event.message) ?? 'error';
        this.lastError = message;
        return [`error: ${oneLine(message)}`];
      }
      default:
        return [];
    }
  }

  finish(exit: AgentExit): AgentOutcome {
    const seen = { finalMessage: this.finalMessage, conversationId: this.conversationId, usage: this.usage };
    const reported = this.turnFailure ?? (this.turnCompleted ? null : this.lastError);
    if (reported !== null) return failedOutcome(`codex failed: ${reported}`, seen);
    if (!exitedCleanly(exit)) return failedOutcome(describeExit('codex', exit), seen);
    if (!this.turnCompleted) {
      return failedOutcome('codex exited without completing its turn (no turn.completed event)', seen);
    }
    return succeededOutcome(seen);
  }

  private turnDone(usage: JsonObject | undefined): string[] {
    this.turnCompleted = true;
    if (!usage) return ['turn completed'];
    const counted: AgentUsage = {};
    const input = num(usage.input_tokens);
    const cached = num(usage.cached_input_tokens);
    const output = num(usage.output_tokens);
    if (input !== undefined) counted.input_tokens = input;
    if (cached !== undefined) counted.cached_input_tokens = cached;
    if (output !== undefined) counted.output_tokens = output;
    this.usage = addUsage(this.usage, counted);
    return [
      `turn completed: ${input ?? 0} input tokens (${cached ?? 0} cached), ${output ?? 0} output tokens`,
    ];
  }

  /** Most items are rendered once, when completed; a command is also shown when it starts. */
  private item(phase: string, item: JsonObject | undefined): string[] {
    if (!item) return [];
    const completed = phase === 'item.completed';
    switch (item.type) {
      case 'agent_message': {
        const text = str(item.text);
        if (!completed || text === undefined) return [];
        this.finalMessage = text;
        return text.split(/\r?\n/);
      }
      case 'reasoning':
        return completed && str(item.text) ? [`thinking: ${oneLine(str(item.text) ?? '')}`] : [];
      case 'command_execution':
        return renderCommand(phase, item);
      case 'file_change':
        return completed ? renderFileChanges(item) : [];
      case 'mcp_tool_call':
        return completed
          ? [`tool ${str(item.server) ?? '?'}.${str(item.tool) ?? '?'} ${str(item.status) ?? ''}`.trim()]
          : [];
      case 'web_search':
        return completed ? [`web search: ${oneLine(str(item.query) ?? '')}`] : [];
      case 'todo_list':
        return phase === 'item.updated' || phase === 'item.started' ? renderTodo(item) : [];
      case 'error':
        return completed ? [`warning: ${oneLine(str(item.message) ?? '')}`] : [];
      default:
        return [];
    }
  }
}

function renderCommand(phase: string, item: JsonObject): string[] {
  const command = oneLine(str(item.command) ?? '', 300);
  if (phase === 'item.started') return [`$ ${command}`];
  if (phase !== 'item.completed') return [];
  const code = num(item.exit_code);
  const status = str(item.status) ?? 'completed';
  return [`$ ${command} -> ${code === undefined ? status : `exit ${code}`}`];
}

function renderFileChanges(item: JsonObject): string[] {
  const status = str(item.status);
  return arr(item.changes).map((change) => {
    const entry = obj(change);
    const line = `file ${str(entry?.kind) ?? 'change'}: ${str(entry?.path) ?? '?'}`;
    return status === 'failed' ? `${line} (failed)` : line;
  });
}

function renderTodo(item: JsonObject): string[] {
  return arr(item.items).map((todo) => {
    const entry = obj(todo);
    return `${entry?.completed === true ? '[x]' : '[ ]'} ${oneLine(str(entry?.text) ?? '')}`;
  });
}
