/** What every client command is made of, and the small helpers they share to read their flags. */
import type { ParseArgsConfig } from 'node:util';
import type { BatonClient } from '../../client/client.ts';
import { colourStatus } from '../format.ts';

/** Where a command writes. The optional parts default to the real process in `runClientCommand`. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Reads all of stdin (for a prompt given as `-`). */
  readStdin?: () => Promise<string>;
  /** Colour statuses: true only when stdout is a terminal. Off when absent. */
  colour?: boolean;
  /** The folder relative paths (such as `--repo .`) are resolved from. */
  cwd?: string;
}

export type Flags = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  client: BatonClient;
  io: Required<CliIo>;
  flags: Flags;
  positionals: string[];
  /** The environment the command was started with (for settings such as BATON_WORKTREES). */
  env: NodeJS.ProcessEnv;
}

export interface ClientCommand {
  name: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(context: CommandContext): Promise<number>;
}

/** Bad flags or arguments: one line on stderr and exit status 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_TIMEOUT = 124;

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function listFlag(flags: Flags, name: string): string[] {
  const value = flags[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string');
}

/** A whole number within bounds, or undefined when the flag is absent. */
export function intFlag(flags: Flags, name: string, min: number, max: number): number | undefined {
  const value = stringFlag(flags, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${value}'`);
  }
  return Number(value);
}

/** Exactly the named positional arguments, in order. */
export function positionals<Names extends string[]>(
  context: CommandContext,
  ...names: Names
): { [K in keyof Names]: string } {
  if (context.positionals.length !== names.length) {
    const wanted = names.map((name) => `<${name}>`).join(' ');
    throw new UsageError(`expects ${wanted}, got ${context.positionals.length} argument(s)`);
  }
  return context.positionals as { [K in keyof Names]: string };
}

/** A prompt argument; `-` reads it from stdin. */
export async function promptArgument(value: string, io: Required<CliIo>): Promise<string> {
  const prompt = value === '-' ? (await io.readStdin()).trim() : value;
  if (!prompt.trim()) throw new UsageError('the prompt is empty');
  return prompt;
}

/** The one status line that cancel, continue and retry print. */
export function statusLine(
  job: { id: string; status: string; cancel_requested: boolean },
  colour: boolean,
): string {
  const note = job.cancel_requested && job.status === 'running' ? ' (cancel requested)' : '';
  return `${job.id} ${colourStatus(job.status, colour)}${note}\n`;
}
