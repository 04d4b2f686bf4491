/** Shared pieces of the agent tests: the fake agents, their record file, and process liveness. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentExit } from '../../../src/worker/agents/agent.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/agents/', import.meta.url));
export const FAKE_CODEX = join(FIXTURES, 'fake-codex.js');
export const FAKE_CLAUDE = join(FIXTURES, 'fake-claude.js');
export const FAKE_COMMAND = join(FIXTURES, 'fake-command.js');

export const cleanExit: AgentExit = { code: 0, signal: null, stderrTail: '' };

/** Every line a reader renders, and its outcome, for a recorded stream. */
export function readAll(
  reader: { line(line: string): string[]; finish(exit: AgentExit): any },
  lines: string[],
  exit: AgentExit = cleanExit,
) {
  const rendered = lines.flatMap((line) => reader.line(line));
  return { rendered, outcome: reader.finish(exit) };
}

export interface RecordEntry {
  agent: string;
  argv?: string[];
  cwd?: string;
  pid?: number;
  grandchild?: number;
}

export function readRecord(path: string): RecordEntry[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordEntry);
}

/** Gone, or a zombie waiting to be reaped (it no longer runs anything). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export { waitFor } from '../../helpers.ts';
