/**
 * Shortens text to at most `max` UTF-16 units plus a marker, never splitting a surrogate pair (half
 * an emoji is not valid Unicode, and the orchestrator refuses such text in names).
 */
export function clip(text: string, max: number, marker = '… [truncated]'): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${marker}`;
}

/** One log entry's text at most: the orchestrator stores logs, not whole files a command printed. */
export const MAX_LOG_TEXT = 65_536;

/** A log line cut to MAX_LOG_TEXT, saying how much was cut. */
export const capText = (text: string): string =>
  clip(text, MAX_LOG_TEXT, `… [${text.length - MAX_LOG_TEXT} more characters cut]`);
