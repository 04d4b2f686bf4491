/**
 * `baton logs ID [--follow]`: prints the job's log entries, oldest first. With `--follow` it keeps
 * reading until the job has settled (done, failed, cancelled or awaiting input) and nothing is left.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTLED_STATUSES } from '../../client/types.ts';
import { renderLogText } from '../format.ts';
import { type ClientCommand, type CommandContext, positionals } from './command.ts';

export const FOLLOW_POLL_MS = 300;
const PAGE_SIZE = 1000;

export const logsCommand: ClientCommand = {
  name: 'logs',
  options: { follow: { type: 'boolean', short: 'f' } },
  async run(context: CommandContext) {
    const [id] = positionals(context, 'id');
    if (context.flags.follow !== true) {
      // Reading the job first turns an unknown id into not_found rather than an empty print.
      await context.client.getJob(id);
      await drain(context, id, 0);
      return 0;
    }
    let after = 0;
    for (;;) {
      // The status is read before the logs: a job that had settled by then wrote its last entry
      // before settling, so the drain that follows sees everything and stopping loses nothing.
      const { status } = await context.client.getJob(id);
      after = await drain(context, id, after);
      if (SETTLED_STATUSES.includes(status)) return 0;
      await sleep(FOLLOW_POLL_MS);
    }
  },
};

/** Prints every entry after `after`; returns the last sequence number printed. */
async function drain(context: CommandContext, id: string, after: number): Promise<number> {
  let next = after;
  for (;;) {
    const page = await context.client.readLogs(id, { after: next, limit: PAGE_SIZE });
    for (const entry of page.entries) context.io.stdout(renderLogText(entry.stream, entry.text));
    next = page.next_after;
    if (page.entries.length < PAGE_SIZE) return next;
  }
}
