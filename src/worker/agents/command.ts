/**
 * The `command` adapter: any program, given as an argv template such as
 * ["aider", "--yes", "--message", "{prompt}"]. Placeholders are replaced inside each element in one
 * pass, so text that a prompt brings along (say "{model}") is never substituted again. Exit code 0 is
 * success; a stdout line `BATON_QUESTION: <text>` asks a question. Stdout is logged as-is by the
 * runner (stream `stdout`), so the reader renders only questions as readable lines.
 */
import type { AgentAdapter, AgentExit, AgentInvocation, AgentOutcome, AgentStreamReader } from './agent.ts';
import { commandQuestion } from './question.ts';
import { describeExit, exitedCleanly, failedOutcome, oneLine } from './reader-support.ts';

export const COMMAND_SETTING = '--agent-command or BATON_AGENT_COMMAND';

/** A command template that cannot work: empty, or with no place for the prompt. */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}

const PLACEHOLDER = /\{(prompt|conversation_id|model)\}/g;
/** How much of the end of stdout becomes the final message. */
const FINAL_LINES = 20;
const FINAL_CHARS = 4_000;

export function createCommandAdapter(template: readonly string[]): AgentAdapter {
  const checked = checkTemplate(template);
  return {
    name: 'command',
    pathSetting: COMMAND_SETTING,
    argv: (invocation) => commandArgv(checked, invocation),
    createReader: () => new CommandReader(),
  };
}

export function checkTemplate(template: readonly string[]): readonly string[] {
  if (template.length === 0 || template[0] === '') {
    throw new AgentConfigError(`the agent command is empty; set it with ${COMMAND_SETTING}`);
  }
  if (!template.some((part) => part.includes('{prompt}'))) {
    throw new AgentConfigError(
      `the agent command ${JSON.stringify(template)} has no {prompt} placeholder, so the prompt could not reach it`,
    );
  }
  return Object.freeze([...template]);
}

export function commandArgv(template: readonly string[], invocation: AgentInvocation): string[] {
  const values: Record<string, string> = {
    prompt: invocation.prompt,
    conversation_id: invocation.conversationId ?? '',
    model: invocation.model ?? '',
  };
  return template.map((part) => part.replace(PLACEHOLDER, (_match, key: string) => values[key] ?? ''));
}

class CommandReader implements AgentStreamReader {
  private tail: string[] = [];
  private question: string | null = null;

  line(line: string): string[] {
    if (line.trim() !== '') {
      this.tail.push(line);
      if (this.tail.length > FINAL_LINES) this.tail.shift();
    }
    const question = commandQuestion(line);
    if (question === null) return [];
    this.question = question;
    return [`question: ${oneLine(question)}`];
  }

  finish(exit: AgentExit): AgentOutcome {
    const joined = this.tail.join('\n');
    const finalMessage = joined === '' ? null : joined.slice(-FINAL_CHARS);
    const seen = { finalMessage, conversationId: null, usage: null };
    if (!exitedCleanly(exit)) return failedOutcome(describeExit('the agent command', exit), seen);
    if (this.question !== null) {
      return { status: 'awaiting_input', question: this.question, error: null, ...seen };
    }
    return { status: 'done', question: null, error: null, ...seen };
  }
}
