/**
 * `baton wait ID [--timeout-ms N]`: waits until the job settles, showing each change of status or
 * attempt on stderr, then prints the final status on stdout. Exit 0 only for `done`; 1 for failed,
 * cancelled or awaiting input; 124 (as timeout(1) does) when the time runs out first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type JobView, SETTLED_STATUSES } from '../../client/types.ts';
import { colourStatus } from '../format.ts';
import {
  type ClientCommand,
  type CommandContext,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_TIMEOUT,
  intFlag,
  positionals,
} from './command.ts';

export const WAIT_POLL_MS = 300;

export const waitCommand: ClientCommand = {
  name: 'wait',
  options: { 'timeout-ms': { type: 'string' } },
  async run(context: CommandContext) {
    const [id] = positionals(context, 'id');
    const timeoutMs = intFlag(context.flags, 'timeout-ms', 0, Number.MAX_SAFE_INTEGER);
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let shown = '';
    for (;;) {
      const job = await context.client.getJob(id);
      const progress = progressLine(job);
      if (progress !== shown) {
        context.io.stderr(`${new Date().toISOString()} ${progress}\n`);
        shown = progress;
      }
      if (SETTLED_STATUSES.includes(job.status)) {
        context.io.stdout(`${colourStatus(job.status, context.io.colour)}\n`);
        return job.status === 'done' ? EXIT_OK : EXIT_FAILED;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        context.io.stderr(`baton: timed out after ${timeoutMs} ms; job ${job.id} is still ${job.status}\n`);
        return EXIT_TIMEOUT;
      }
      await sleep(Math.min(WAIT_POLL_MS, left));
    }
  },
};

/** What changed, for a person watching: the status, the attempt, who holds it, a pending cancel. */
function progressLine(job: JobView): string {
  const parts = [`job ${job.id} ${job.status}`, `attempt ${job.attempt}`];
  if (job.status === 'running' && job.lease_owner) parts.push(`worker ${job.lease_owner}`);
  if (job.cancel_requested) parts.push('cancel requested');
  return parts.join(', ');
}
