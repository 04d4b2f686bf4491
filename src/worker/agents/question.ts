/**
 * The one rule that decides whether an agent stopped to ask a question instead of finishing.
 * Pure, so the README can state it exactly and tests can pin it down.
 *
 * codex / claude: a successful run whose final message's last non-empty line ends with `?`
 * (ignoring trailing spaces, markdown emphasis and closing quotes or brackets such as `**`, `"`, `)`)
 * asked a question; the whole final message is the question.
 * command: a stdout line that starts with `BATON_QUESTION:` asks the rest of that line.
 */

const TRAILING_DECORATION = /[\s*_`'")\]]+$/;

/** The question a successful agent's final message asks, or null when it does not end with one. */
export function questionIn(finalMessage: string | null): string | null {
  if (finalMessage === null) return null;
  const lines = finalMessage.split(/\r?\n/).filter((line) => line.trim() !== '');
  const last = lines.at(-1);
  if (last === undefined) return null;
  return last.replace(TRAILING_DECORATION, '').endsWith('?') ? finalMessage.trim() : null;
}

export const COMMAND_QUESTION_PREFIX = 'BATON_QUESTION:';

/** The question a `command` agent's stdout line asks, or null when the line is not a question. */
export function commandQuestion(line: string): string | null {
  if (!line.startsWith(COMMAND_QUESTION_PREFIX)) return null;
  const question = line.slice(COMMAND_QUESTION_PREFIX.length).trim();
  return question === '' ? null : question;
}
