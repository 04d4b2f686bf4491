/**
 * `baton jobs [--status s1,s2] [--limit N] [--all]`: newest jobs first, as a table. Ids are printed
 * in full: every other command takes the full id, so a row can be copied as it is.
 */
import type { JobView } from '../../client/types.ts';
import { colourStatus, oneLine, relativeTime, renderTable, truncate } from '../format.ts';
import { type ClientCommand, type CommandContext, intFlag, positionals, stringFlag } from './command.ts';

const DEFAULT_LIMIT = 50;
/** The server's largest page: `--all` walks the pages at this size. */
const PAGE_SIZE = 500;
const PROMPT_WIDTH = 60;

export const jobsCommand: ClientCommand = {
  name: 'jobs',
  options: {
    status: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
  },
  async run(context: CommandContext) {
    positionals(context);
    const status = stringFlag(context.flags, 'status')
      ?.split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const all = context.flags.all === true;
    const limit = intFlag(context.flags, 'limit', 1, all ? Number.MAX_SAFE_INTEGER : PAGE_SIZE);
    const jobs = await context.client.listAllJobs({ status }, all ? limit : (limit ?? DEFAULT_LIMIT));
    if (jobs.length === 0) {
      context.io.stdout('No jobs.\n');
      return 0;
    }
    context.io.stdout(jobsTable(jobs, Date.now(), context.io.colour));
    return 0;
  },
};

export function jobsTable(jobs: readonly JobView[], now: number, colour: boolean): string {
  const rows = jobs.map((job) => [
    job.id,
    job.status,
    String(job.attempt),
    job.spec_json.agent ?? '-',
    job.branch_name,
    relativeTime(job.updated_at, now),
    truncate(oneLine(job.spec_json.prompt), PROMPT_WIDTH),
  ]);
  const headers = ['ID', 'STATUS', 'ATTEMPT', 'AGENT', 'BRANCH', 'UPDATED', 'PROMPT'];
  // Colour goes on after padding, so escape codes never count towards a column's width.
  return renderTable(headers, rows, (column, padded, plain) =>
    column === 1 ? padded.replace(plain, colourStatus(plain, colour)) : padded,
  );
}
