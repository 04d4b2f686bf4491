/**
 * Stopping an agent's whole process group (the agent is spawned detached, so its pid is also its
 * group id, and every tool or server it starts is in that group unless it leaves on purpose).
 * POSIX only: Baton's workers run on Linux and macOS.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 50;
/** Killed members can linger as zombies until init reaps them; wait this long for that, then move on. */
const REAP_WAIT_MS = 5_000;

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

export const groupAlive = (pgid: number): boolean => signalGroup(pgid, 0);

/** SIGTERM to the group, SIGKILL after `graceMs` if any member is still there. Resolves once it is gone. */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await waitGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, REAP_WAIT_MS);
}

async function waitGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}
