/** Builds a worker's parts from its configuration: the client, the workspaces and the agents. */

import { BatonClient } from '../client/client.ts';
import { ConfigError } from '../config.ts';
import { AgentConfigError } from './agents/command.ts';
import { createAgents } from './agents/registry.ts';
import { Workspaces } from './git/workspaces.ts';
import { Worker, type WorkerOptions } from './worker.ts';
import type { WorkerConfig } from './worker-config.ts';

export function createWorker(
  config: WorkerConfig,
  say: (line: string) => void,
  extra: Pick<WorkerOptions, 'pollWaitMs'> = {},
): Worker {
  let agents: ReturnType<typeof createAgents>;
  try {
    agents = createAgents({
      codexPath: config.codexPath,
      claudePath: config.claudePath,
      ...(config.agentCommand ? { command: config.agentCommand } : {}),
    });
  } catch (error) {
    // A bad agent template is a configuration error: one line and exit 2, like any other setting.
    if (error instanceof AgentConfigError)
      throw new ConfigError(`Invalid --agent-command (BATON_AGENT_COMMAND): ${error.message}`);
    throw error;
  }
  return new Worker({
    client: new BatonClient({ url: config.url, ...(config.token ? { token: config.token } : {}) }),
    workspaces: new Workspaces({
      root: config.worktrees,
      identity: { name: config.gitName, email: config.gitEmail },
    }),
    agents,
    defaultAgent: config.agent,
    workerId: config.workerId,
    workerType: config.workerType,
    concurrency: config.concurrency,
    ...(config.leaseMs ? { leaseMs: config.leaseMs } : {}),
    say,
    ...extra,
  });
}
