/** `baton submit [flags] "prompt"`: creates a job and prints only its id, so `id=$(baton submit ...)` works. */
import type { CreateJobInput } from '../../client/types.ts';
import {
  type ClientCommand,
  type CommandContext,
  type Flags,
  intFlag,
  listFlag,
  positionals,
  promptArgument,
  stringFlag,
  UsageError,
} from './command.ts';
import { resolveRepo } from './local-repo.ts';

export const submitCommand: ClientCommand = {
  name: 'submit',
  options: {
    repo: { type: 'string', default: '.' },
    base: { type: 'string' },
    branch: { type: 'string' },
    agent: { type: 'string' },
    model: { type: 'string' },
    feature: { type: 'string' },
    'depends-on': { type: 'string', multiple: true },
    push: { type: 'string' },
    priority: { type: 'string' },
    'worker-type': { type: 'string' },
    'test-command': { type: 'string' },
    'timeout-ms': { type: 'string' },
  },
  async run(context: CommandContext) {
    const [promptArg] = positionals(context, 'prompt');
    const prompt = await promptArgument(promptArg, context.io);
    const repo = await resolveRepo(stringFlag(context.flags, 'repo') ?? '.', context.io.cwd);
    const input = jobInput(context.flags, prompt, repo.repoUrl, repo.currentBase);
    const job = await context.client.createJob(input);
    context.io.stdout(`${job.id}\n`);
    return 0;
  },
};

/** The create body from the flags. Ranges and names are the server's to judge; shapes are checked here. */
export function jobInput(
  flags: Flags,
  prompt: string,
  repoUrl: string,
  currentBase?: string,
): CreateJobInput {
  const push = stringFlag(flags, 'push');
  if (push !== undefined && push !== 'always' && push !== 'never') {
    throw new UsageError(`--push must be 'always' or 'never', got '${push}'`);
  }
  const dependsOn = listFlag(flags, 'depends-on').flatMap((value) => value.split(',').filter(Boolean));
  return {
    repo_url: repoUrl,
    base_ref: stringFlag(flags, 'base') ?? currentBase,
    branch_name: stringFlag(flags, 'branch'),
    worker_type: stringFlag(flags, 'worker-type'),
    feature_id: stringFlag(flags, 'feature'),
    push_mode: push,
    priority: intFlag(flags, 'priority', -1_000, 1_000),
    depends_on: dependsOn.length > 0 ? dependsOn : undefined,
    spec_json: {
      prompt,
      agent: stringFlag(flags, 'agent'),
      model: stringFlag(flags, 'model'),
      test_command: testCommand(stringFlag(flags, 'test-command')),
      timeout_ms: intFlag(flags, 'timeout-ms', 0, Number.MAX_SAFE_INTEGER),
    },
  };
}

/** `--test-command '["npm","test"]'`: an argv array, so it never goes through a shell. */
function testCommand(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === 'string')) {
    throw new UsageError(`--test-command must be a JSON array of strings, such as '["npm","test"]'`);
  }
  return parsed;
}
