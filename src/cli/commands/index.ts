/**
 * The client commands: parse flags (strict), find the orchestrator (client-config), run one
 * command over BatonClient, and turn every failure into one line on stderr and an exit status:
 * 2 for bad flags or settings, 1 for an API error (with its code) or an unreachable orchestrator.
 */
import { parseArgs } from 'node:util';
import { BatonClient } from '../../client/client.ts';
import { CLIENT_FLAGS, loadClientConfig } from '../../client/client-config.ts';
import { BatonApiError, BatonConnectionError } from '../../client/errors.ts';
import { ConfigError } from '../../config.ts';
import { oneLine } from '../format.ts';
import { cancelCommand } from './cancel.ts';
import {
  type ClientCommand,
  type CliIo,
  EXIT_FAILED,
  EXIT_USAGE,
  type Flags,
  UsageError,
} from './command.ts';
import { continueCommand } from './continue.ts';
import { jobsCommand } from './jobs.ts';
import { logsCommand } from './logs.ts';
import { retryCommand } from './retry.ts';
import { showCommand } from './show.ts';
import { submitCommand } from './submit.ts';
import { waitCommand } from './wait.ts';
import { worktreesCommand } from './worktrees.ts';

export type { CliIo } from './command.ts';

const COMMANDS: readonly ClientCommand[] = [
  submitCommand,
  jobsCommand,
  showCommand,
  logsCommand,
  waitCommand,
  cancelCommand,
  continueCommand,
  retryCommand,
  worktreesCommand,
];

export const CLIENT_COMMANDS: readonly string[] = Object.freeze(COMMANDS.map((command) => command.name));

export const isClientCommand = (name: string): boolean => CLIENT_COMMANDS.includes(name);

export async function runClientCommand(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const full: Required<CliIo> = { readStdin: readProcessStdin, colour: false, cwd: process.cwd(), ...io };
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    full.stderr(`baton: unknown command '${name}'\n`);
    return EXIT_USAGE;
  }
  try {
    const { values, positionals } = parseFlags(command, args);
    const config = loadClientConfig({ url: stringOf(values.url), token: stringOf(values.token) }, env);
    const client = new BatonClient({ url: config.url, token: config.token, userAgent: 'baton-cli' });
    return await command.run({ client, io: full, flags: values, positionals, env });
  } catch (error) {
    return report(error, name, full);
  }
}

function parseFlags(command: ClientCommand, args: string[]): { values: Flags; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: { ...CLIENT_FLAGS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** One line on stderr per failure; the exit status says which kind it was. */
function report(error: unknown, name: string, io: Required<CliIo>): number {
  if (error instanceof UsageError) {
    io.stderr(`baton ${name}: ${oneLine(error.message)} (see baton help)\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    io.stderr(`baton: ${oneLine(error.message)}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof BatonApiError) {
    io.stderr(`baton: ${oneLine(error.message)} (${error.code})\n`);
    return EXIT_FAILED;
  }
  if (error instanceof BatonConnectionError) {
    io.stderr(`baton: ${oneLine(error.message)}\n`);
    return EXIT_FAILED;
  }
  io.stderr(`baton: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
  return EXIT_FAILED;
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
