/**
 * Small pure helpers the stream readers share: tolerant JSON line parsing, typed field access on
 * untrusted event objects, and one-line failure reasons built from an exit and its stderr.
 */
import { hasLoneSurrogate } from '../../orchestrator/models/naming.ts';
import { clip } from '../clip.ts';
import type { AgentExit, AgentOutcome, AgentUsage } from './agent.ts';
import { questionIn } from './question.ts';

export type JsonObject = Record<string, unknown>;

/** The line as a JSON object, or undefined when it is not one (such lines are logged and ignored). */
export function parseJsonObject(line: string): JsonObject | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export const obj = (value: unknown): JsonObject | undefined => (isObject(value) ? value : undefined);

export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Collapses whitespace so a reason is one line, and bounds its length. */
export function oneLine(text: string, max = 500): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max - 1, '…');
}

/**
 * A conversation id the orchestrator will store (1-200 characters of valid Unicode), else undefined:
 * an odd id from an agent must not make the run's report unacceptable.
 */
export function conversationId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length >= 1 && value.length <= 200 && !hasLoneSurrogate(value)
    ? value
    : undefined;
}

const NOISE = /^\s+at |^Node\.js v\d|^\s*[\^~]+\s*$|^\s*throw\b/;
const TELLING = /error|fatal|exception|not found|denied|failed|cannot|invalid|refused/i;

/**
 * The stderr line that best says what went wrong: the last one that reads like an error among the
 * last lines, skipping stack frames and runtime banners (a crashed Node program ends with
 * `Node.js v20...`); else the last line.
 */
export function tellingLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const recent = lines.slice(-40).filter((line) => !NOISE.test(line));
  return [...recent].reverse().find((line) => TELLING.test(line)) ?? recent.at(-1) ?? lines.at(-1);
}

/** "codex exited with code 3: <the telling stderr line>" or "codex was stopped by SIGKILL". */
export function describeExit(agent: string, exit: AgentExit): string {
  const why = exit.signal
    ? `${agent} was stopped by ${exit.signal}`
    : `${agent} exited with code ${exit.code}`;
  const stderr = tellingLine(exit.stderrTail);
  return oneLine(stderr ? `${why}: ${stderr}` : why);
}

export const exitedCleanly = (exit: AgentExit): boolean => exit.code === 0 && exit.signal === null;

/** Adds the numbers of `more` to `into` (a run may report usage for several turns). */
export function addUsage(into: AgentUsage | null, more: AgentUsage): AgentUsage {
  const sum: AgentUsage = { ...into };
  for (const [key, value] of Object.entries(more) as [keyof AgentUsage, number | undefined][]) {
    if (value !== undefined) sum[key] = (sum[key] ?? 0) + value;
  }
  return sum;
}

export function failedOutcome(
  error: string,
  seen: Pick<AgentOutcome, 'finalMessage' | 'conversationId' | 'usage'>,
): AgentOutcome {
  return { status: 'failed', question: null, error: oneLine(error), ...seen };
}

/** A run that ended well: done, or awaiting_input when its final message asks a question. */
export function succeededOutcome(
  seen: Pick<AgentOutcome, 'finalMessage' | 'conversationId' | 'usage'>,
): AgentOutcome {
  const question = questionIn(seen.finalMessage);
  return { status: question ? 'awaiting_input' : 'done', question, error: null, ...seen };
}
