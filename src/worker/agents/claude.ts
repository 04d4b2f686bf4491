/**
 * The Claude Code adapter: `claude -p ... --output-format stream-json --verbose`.
 *
 * The stream opens with `system`/`init` (its `session_id` is the conversation id), then `assistant`
 * and `user` messages (text, tool calls, tool results), and ends with one `result` object that says
 * whether the run succeeded (`is_error`, `subtype`), its final text and its usage and cost.
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

export function createClaudeAdapter(claudePath: string): AgentAdapter {
  return {
    name: 'claude',
    pathSetting: '--claude-path or BATON_CLAUDE_PATH',
    argv: (invocation) => claudeArgv(claudePath, invocation),
    createReader: () => new ClaudeReader(),
  };
}

export function claudeArgv(claudePath: string, { prompt, conversationId, model }: AgentInvocation): string[] {
  return [
    claudePath,
    '-p',
    prompt,
    '--output-format',
    'stream-json',
    '--verbose',
    '--permission-mode',
    'acceptEdits',
    ...(model ? ['--model', model] : []),
    ...(conversationId ? ['--resume', conversationId] : []),
  ];
}

interface ClaudeResult {
  isError: boolean;
  subtype: string;
  text: string | null;
}

class ClaudeReader implements AgentStreamReader {
  private conversationId: string | null = null;
  private lastText: string | null = null;
  private usage: AgentUsage | null = null;
  private result: ClaudeResult | null = null;

  line(line: string): string[] {
    const event = parseJsonObject(line);
    if (!event) return [];
    const sessionId = conversationId(event.session_id);
    if (sessionId) this.conversationId = sessionId;
    switch (event.type) {
      case 'system':
        return event.subtype === 'init' && sessionId
          ? [`claude session ${sessionId}${str(event.model) ? ` (model ${str(event.model)})` : ''}`]
          : [];
      case 'assistant':
        return this.assistant(contentOf(event));
      case 'user':
        return contentOf(event).flatMap(renderToolResult);
      case 'result':
        return this.finalResult(event);
      default:
        return [];
    }
  }

  finish(exit: AgentExit): AgentOutcome {
    const finalMessage = this.result?.text ?? this.lastText;
    const seen = { finalMessage, conversationId: this.conversationId, usage: this.usage };
    const result = this.result;
    if (result?.isError) {
      const detail = result.text ? `: ${result.text}` : '';
      return failedOutcome(`claude reported ${result.subtype}${detail}`, seen);
    }
    if (!exitedCleanly(exit)) return failedOutcome(describeExit('claude', exit), seen);
    if (!result) return failedOutcome('claude exited without a result (no "result" event)', seen);
    return succeededOutcome(seen);
  }

  private assistant(content: JsonObject[]): string[] {
    const lines: string[] = [];
    for (const block of content) {
      if (block.type === 'text' && str(block.text)) {
        this.lastText = str(block.text) ?? null;
        lines.push(...(this.lastText ?? '').split(/\r?\n/));
      } else if (block.type === 'tool_use') {
        lines.push(`tool ${str(block.name) ?? '?'}: ${summarizeInput(obj(block.input))}`);
      }
    }
    return lines;
  }

  private finalResult(event: JsonObject): string[] {
    const isError = event.is_error === true || (str(event.subtype) ?? 'success') !== 'success';
    const errors = arr(event.errors).filter((e): e is string => typeof e === 'string');
    const text = str(event.result) ?? (errors.length > 0 ? errors.join('; ') : null);
    this.result = { isError, subtype: str(event.subtype) ?? (isError ? 'error' : 'success'), text };
    this.usage = claudeUsage(event);
    const turns = this.usage.num_turns;
    const cost = this.usage.total_cost_usd;
    const parts = [
      `result: ${this.result.subtype}${isError ? ' (error)' : ''}`,
      ...(turns !== undefined ? [`${turns} turns`] : []),
      ...(cost !== undefined ? [`$${cost.toFixed(4)}`] : []),
    ];
    return [parts.join(', ')];
  }
}

function contentOf(event: JsonObject): JsonObject[] {
  return arr(obj(event.message)?.content).filter((block): block is JsonObject => obj(block) !== undefined);
}

function claudeUsage(event: JsonObject): AgentUsage {
  const raw = obj(event.usage);
  const usage: AgentUsage = {};
  const fields: [keyof AgentUsage, number | undefined][] = [
    ['input_tokens', num(raw?.input_tokens)],
    ['cached_input_tokens', num(raw?.cache_read_input_tokens)],
    ['output_tokens', num(raw?.output_tokens)],
    ['total_cost_usd', num(event.total_cost_usd)],
    ['num_turns', num(event.num_turns)],
  ];
  for (const [key, value] of fields) if (value !== undefined) usage[key] = value;
  return usage;
}

/** The one argument a person wants to see for common tools; compact JSON otherwise. */
function summarizeInput(input: JsonObject | undefined): string {
  if (!input) return '';
  const key = ['command', 'file_path', 'path', 'pattern', 'url', 'description'].find((k) => str(input[k]));
  return oneLine(key ? (str(input[key]) ?? '') : JSON.stringify(input), 300);
}

function renderToolResult(block: JsonObject): string[] {
  if (block.type !== 'tool_result' || block.is_error !== true) return [];
  // The content is a string, or a list of text blocks.
  const content =
    str(block.content) ??
    arr(block.content)
      .map((part) => str(obj(part)?.text))
      .filter(Boolean)
      .join(' ');
  return [`tool error: ${oneLine(content, 300)}`];
}
