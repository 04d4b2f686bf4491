/**
 * DESIGN.md's table of legal moves, written out by hand for the tests, independently of the code
 * under test (src/orchestrator/models/job.ts). A test that compares the two catches a drift.
 */
export type Status = 'pending' | 'running' | 'awaiting_input' | 'done' | 'failed' | 'cancelled';

export const STATUSES: Status[] = ['pending', 'running', 'awaiting_input', 'done', 'failed', 'cancelled'];

export const LEGAL: ReadonlySet<string> = new Set([
  'pending>running',
  'pending>cancelled',
  'running>done',
  'running>failed',
  'running>awaiting_input',
  'running>pending',
  'running>cancelled',
  'awaiting_input>pending',
  'awaiting_input>done',
  'awaiting_input>failed',
  'awaiting_input>cancelled',
  'done>pending',
  'failed>pending',
  'cancelled>pending',
]);

export const isLegal = (from: string, to: string): boolean => LEGAL.has(`${from}>${to}`);
