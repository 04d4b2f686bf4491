/** `baton show ID`: the job's fields, its prompt and follow-ups, its result summary and its history. */
import type { JobEventView, JobView } from '../../client/types.ts';
import { colourStatus, relativeTime } from '../format.ts';
import { type ClientCommand, type CommandContext, positionals } from './command.ts';

export const showCommand: ClientCommand = {
  name: 'show',
  options: {},
  async run(context: CommandContext) {
    const [id] = positionals(context, 'id');
    const [job, events] = await Promise.all([context.client.getJob(id), context.client.jobEvents(id)]);
    context.io.stdout(renderJob(job, events, Date.now(), context.io.colour));
    return 0;
  },
};

export function renderJob(
  job: JobView,
  events: readonly JobEventView[],
  now: number,
  colour: boolean,
): string {
  const when = (iso: string | null) => (iso ? `${iso} (${relativeTime(iso, now)})` : '-');
  const fields: Array<[string, string]> = [
    ['id', job.id],
    ['status', `${colourStatus(job.status, colour)}${job.cancel_requested ? ' (cancel requested)' : ''}`],
    ['attempt', `${job.attempt} (at most ${job.max_attempts} per run)`],
    ['repo', job.repo_url],
    ['base', job.base_ref],
    ['branch', job.branch_name],
    ['agent', job.spec_json.agent ?? '(worker default)'],
    ['model', job.spec_json.model ?? '-'],
    ['worker type', job.worker_type],
    ['push', job.push_mode],
    ['priority', String(job.priority)],
    ['depends on', job.depends_on.length ? job.depends_on.join(', ') : '-'],
    ['feature', job.feature_id ?? '-'],
    ['conversation', job.conversation_id ?? '-'],
    // The path asked for, else the one the worker reported using.
    ['worktree', job.worktree_path ?? reportedWorktree(job.result_summary) ?? '-'],
    ['worker', job.lease_owner ?? '-'],
    ['lease until', when(job.lease_expires_at)],
    ['run at', when(job.run_at)],
    ['created', when(job.created_at)],
    ['updated', when(job.updated_at)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const parts = [fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${value}\n`).join('')];
  parts.push(`\nPrompt:\n${indent(job.spec_json.prompt)}`);
  for (const [index, followUp] of (job.spec_json.follow_ups ?? []).entries()) {
    parts.push(
      `\nFollow-up ${index + 1} (${new Date(followUp.at).toISOString()}):\n${indent(followUp.prompt)}`,
    );
  }
  if (job.result_summary !== null && job.result_summary !== undefined) {
    parts.push(`\nResult summary:\n${indent(JSON.stringify(job.result_summary, null, 2))}`);
  }
  parts.push(`\nHistory:\n${events.map(eventLine).join('') || '  (none)\n'}`);
  return parts.join('');
}

function eventLine(event: JobEventView): string {
  const move =
    event.from_status === event.to_status
      ? (event.to_status ?? '')
      : `${event.from_status ?? '-'} -> ${event.to_status ?? '-'}`;
  const reason = event.reason ? ` (${event.reason})` : '';
  return `  ${event.at}  ${event.type.padEnd(16)} ${move.padEnd(28)} attempt ${event.attempt}  by ${event.actor}${reason}\n`;
}

const indent = (text: string): string =>
  `${text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n`;

const reportedWorktree = (summary: unknown): string | undefined => {
  const path = (summary as { worktree_path?: unknown } | null)?.worktree_path;
  return typeof path === 'string' ? path : undefined;
};
