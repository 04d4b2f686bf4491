/**
 * The agents a worker can run, built once from its settings. A program path that names a folder
 * (it holds a `/`) is made absolute here, against the worker's own folder, because the agent is
 * started inside a worktree and a relative path would otherwise be looked up there. A bare name
 * such as `codex` is left to the PATH lookup.
 */
import { isAbsolute, resolve } from 'node:path';
import type { AgentAdapter } from './agent.ts';
import { createClaudeAdapter } from './claude.ts';
import { createCodexAdapter } from './codex.ts';
import { createCommandAdapter } from './command.ts';

export interface AgentSettings {
  /** Default 'codex'. */
  codexPath: string;
  /** Default 'claude'. */
  claudePath: string;
  /** argv template for the `command` agent, e.g. ["aider","--yes","--message","{prompt}"]; undefined = not configured */
  command?: readonly string[];
}

export interface AgentRegistry {
  get(name: string): AgentAdapter | undefined;
  names(): string[];
}

/** Throws AgentConfigError when the command template cannot work (so a worker fails at start). */
export function createAgents(settings: AgentSettings): AgentRegistry {
  const adapters = new Map<string, AgentAdapter>();
  const add = (adapter: AgentAdapter) => adapters.set(adapter.name, adapter);
  add(createCodexAdapter(programPath(settings.codexPath)));
  add(createClaudeAdapter(programPath(settings.claudePath)));
  if (settings.command !== undefined) {
    const [program = '', ...rest] = settings.command;
    add(createCommandAdapter(program === '' ? settings.command : [programPath(program), ...rest]));
  }
  return {
    get: (name) => adapters.get(name),
    names: () => [...adapters.keys()],
  };
}

export function programPath(path: string): string {
  return path.includes('/') && !isAbsolute(path) ? resolve(path) : path;
}
