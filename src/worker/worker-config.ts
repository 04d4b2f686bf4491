/**
 * The worker's configuration, loaded once: flags over `BATON_*` variables over defaults, validated
 * and frozen (the same rules as the server's, in `src/config.ts`).
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { loadClientConfig } from '../client/client-config.ts';
import { ConfigError, parseFlags } from '../config.ts';

export interface WorkerConfig {
  readonly url: string;
  readonly token: string | undefined;
  readonly workerType: string;
  readonly concurrency: number;
  readonly worktrees: string;
  readonly workerId: string;
  readonly agent: string;
  readonly codexPath: string;
  readonly claudePath: string;
  readonly agentCommand: readonly string[] | undefined;
  readonly leaseMs: number | undefined;
  readonly graceMs: number;
  readonly gitName: string;
  readonly gitEmail: string;
}

export const WORKER_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  type: { type: 'string' },
  concurrency: { type: 'string' },
  worktrees: { type: 'string' },
  id: { type: 'string' },
  agent: { type: 'string' },
  'codex-path': { type: 'string' },
  'claude-path': { type: 'string' },
  'agent-command': { type: 'string' },
  'worker-lease-ms': { type: 'string' },
  'grace-ms': { type: 'string' },
  'git-name': { type: 'string' },
  'git-email': { type: 'string' },
} as const;

const SETTING_NAMES: Record<string, string> = {
  workerType: '--type (BATON_WORKER_TYPE)',
  concurrency: '--concurrency (BATON_CONCURRENCY)',
  worktrees: '--worktrees (BATON_WORKTREES)',
  workerId: '--id (BATON_WORKER_ID)',
  agent: '--agent (BATON_AGENT)',
  codexPath: '--codex-path (BATON_CODEX_PATH)',
  claudePath: '--claude-path (BATON_CLAUDE_PATH)',
  agentCommand: '--agent-command (BATON_AGENT_COMMAND)',
  leaseMs: '--worker-lease-ms (BATON_WORKER_LEASE_MS)',
  graceMs: '--grace-ms (BATON_GRACE_MS)',
  gitName: '--git-name (BATON_GIT_NAME)',
  gitEmail: '--git-email (BATON_GIT_EMAIL)',
};

const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1-128 letters, digits or ._:@-');

const agentCommand = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON array of strings, e.g. ["aider","--message","{prompt}"]',
      });
      return z.NEVER;
    }
  })
  .pipe(z.array(z.string().min(1)).min(1, 'must name a program'));

const workerSchema = z.object({
  workerType: identifier,
  concurrency: z.coerce.number().int().min(1).max(64),
  worktrees: z
    .string()
    .min(1)
    .transform((path) => resolve(path)),
  workerId: identifier,
  agent: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase agent name'),
  codexPath: z.string().min(1),
  claudePath: z.string().min(1),
  agentCommand: agentCommand.optional(),
  leaseMs: z.coerce.number().int().min(1_000).max(3_600_000).optional(),
  graceMs: z.coerce.number().int().min(0).max(3_600_000),
  gitName: z.string().min(1),
  gitEmail: z.string().min(3),
});

/** `hostname:pid`, with anything a worker id may not hold replaced. */
export const defaultWorkerId = (): string =>
  `${
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '') || 'worker'
  }:${process.pid}`.slice(0, 128);

export const parseWorkerArgs = (args: readonly string[]) => parseFlags(args, WORKER_FLAGS);

export function loadWorkerConfig(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): WorkerConfig {
  // Where the orchestrator is and how to talk to it: the same rules as every client command.
  const { url, token } = loadClientConfig(flags, env);
  const pick = (flag: string, variable: string, fallback?: string) =>
    flags[flag] ?? (env[variable] || undefined) ?? fallback;
  const parsed = workerSchema.safeParse({
    workerType: pick('type', 'BATON_WORKER_TYPE', 'default'),
    concurrency: pick('concurrency', 'BATON_CONCURRENCY', '3'),
    worktrees: pick('worktrees', 'BATON_WORKTREES', './.baton/worktrees'),
    workerId: pick('id', 'BATON_WORKER_ID', defaultWorkerId()),
    agent: pick('agent', 'BATON_AGENT', 'codex'),
    codexPath: pick('codex-path', 'BATON_CODEX_PATH', 'codex'),
    claudePath: pick('claude-path', 'BATON_CLAUDE_PATH', 'claude'),
    agentCommand: pick('agent-command', 'BATON_AGENT_COMMAND'),
    leaseMs: pick('worker-lease-ms', 'BATON_WORKER_LEASE_MS'),
    graceMs: pick('grace-ms', 'BATON_GRACE_MS', '10000'),
    gitName: pick('git-name', 'BATON_GIT_NAME', 'Baton'),
    gitEmail: pick('git-email', 'BATON_GIT_EMAIL', 'baton@localhost'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0]);
    throw new ConfigError(`Invalid ${SETTING_NAMES[key] ?? key}: ${issue?.message}`);
  }
  const { agentCommand, leaseMs, ...rest } = parsed.data;
  return Object.freeze({ ...rest, url, token, agentCommand, leaseMs });
}
