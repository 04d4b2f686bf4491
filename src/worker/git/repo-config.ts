/**
 * `.baton.json`: a repository's own defaults for Baton (test command, worktree setup), read from
 * the worktree and merged with the job's spec. The job wins, field by field. Unknown keys are
 * refused, so a typo in the file is an error rather than a setting that silently does nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { JobSpec } from '../../orchestrator/models/job.ts';
import { argvSchema, worktreeSetupSchema } from '../../orchestrator/models/worker-settings.ts';
import { WorkspaceError } from './errors.ts';

export const REPO_CONFIG_FILE = '.baton.json';

export interface RepoConfig {
  test_command?: string[];
  setup?: { copy_files?: string[]; command?: string[] };
}

const repoConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  test_command: argvSchema.optional(),
  setup: worktreeSetupSchema.optional(),
});

/** Parses the file's text. Pure. `source` names the file in the error. */
export function parseRepoConfig(text: string, source: string): RepoConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new WorkspaceError('bad_repo_config', `${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = repoConfigSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
      .join('; ');
    throw new WorkspaceError('bad_repo_config', `${source} is not a valid Baton config: ${problems}`);
  }
  const { test_command, setup } = parsed.data;
  return compact({ test_command, setup: setup && compact(setup) });
}

/** The job's settings over the file's, field by field. Pure. */
export function mergeRepoConfig(file: RepoConfig, spec: Pick<JobSpec, 'test_command' | 'setup'>): RepoConfig {
  const copyFiles = spec.setup?.copy_files ?? file.setup?.copy_files;
  const command = spec.setup?.command ?? file.setup?.command;
  const setup = copyFiles || command ? compact({ copy_files: copyFiles, command }) : undefined;
  return compact({ test_command: spec.test_command ?? file.test_command, setup });
}

/** Reads `.baton.json` from a worktree; an absent file is an empty config. */
export async function readRepoConfig(worktreePath: string): Promise<RepoConfig> {
  const path = join(worktreePath, REPO_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new WorkspaceError('bad_repo_config', `cannot read ${path}: ${(error as Error).message}`);
  }
  return parseRepoConfig(text, path);
}

/** The worktree's `.baton.json` merged with the job's spec (the job wins). */
export async function loadRepoConfig(
  worktreePath: string,
  spec: Pick<JobSpec, 'test_command' | 'setup'>,
): Promise<RepoConfig> {
  return mergeRepoConfig(await readRepoConfig(worktreePath), spec);
}

/** Drops keys whose value is undefined, so configs compare and print cleanly. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
