import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCodexAdapter } from '../../../src/worker/agents/codex.ts';
import { readAll } from './support.ts';

const codex = createCodexAdapter('/opt/codex/bin/codex');
const HOSTILE = `$(touch x); rm -rf / "'\`id\` && echo pwned > y`;

/** A run as `codex exec --json` prints it: a command, a file change, a message, usage. */
const RECORDED = [
  '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}',
  '{"type":"turn.started"}',
  '{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Looking at the router**"}}',
  '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"src\\n","exit_code":0,"status":"completed"}}',
  'this line is not JSON and is only logged',
  '{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"src/health.ts","kind":"add"}],"status":"completed"}}',
  '{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Added GET /health.\\nIt returns 200."}}',
  '{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}',
];

describe('the codex adapter', () => {
  it('builds a new run as one argv array with the prompt as its last element, untouched', () => {
    assert.deepEqual(codex.argv({ prompt: HOSTILE, conversationId: null }), [
      '/opt/codex/bin/codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      HOSTILE,
    ]);
  });

  it('builds a follow-up that resumes the thread, with the model before the resume subcommand', () => {
    assert.deepEqual(codex.argv({ prompt: 'now add a test', conversationId: 'th-1', model: 'gpt-5-codex' }), [
      '/opt/codex/bin/codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '-m',
      'gpt-5-codex',
      'resume',
      'th-1',
      'now add a test',
    ]);
  });

  it('reads the thread id, the last agent message and the token usage from a finished run', () => {
    const { rendered, outcome } = readAll(codex.createReader(), RECORDED);
    assert.deepEqual(outcome, {
      status: 'done',
      finalMessage: 'Added GET /health.\nIt returns 200.',
      question: null,
      conversationId: '0199a213-81c0-7800-8aa1-bbab2a035a53',
      usage: { input_tokens: 24763, cached_input_tokens: 24448, output_tokens: 122 },
      error: null,
    });
    assert.ok(rendered.includes('$ bash -lc ls'), 'a started command is shown');
    assert.ok(rendered.includes('$ bash -lc ls -> exit 0'), 'a finished command is shown with its exit code');
    assert.ok(rendered.includes('file add: src/health.ts'), 'a file change is shown');
    assert.ok(rendered.includes('Added GET /health.') && rendered.includes('It returns 200.'));
    assert.ok(!rendered.some((line) => line.includes('not JSON')), 'a non-JSON line is not rendered');
  });

  it('fails with the turn.failed message even when the process exits 0', () => {
    const { outcome } = readAll(codex.createReader(), [
      '{"type":"thread.started","thread_id":"th-2"}',
      '{"type":"turn.started"}',
      '{"type":"error","message":"stream disconnected before completion"}',
      '{"type":"turn.failed","error":{"message":"stream disconnected before completion"}}',
    ]);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'codex failed: stream disconnected before completion');
    assert.equal(outcome.conversationId, 'th-2', 'a failed run can still be continued in its thread');
  });

  it('is done when a turn completes after a transient error event (codex reports retries so)', () => {
    const { outcome } = readAll(codex.createReader(), [
      '{"type":"thread.started","thread_id":"th-5"}',
      '{"type":"error","message":"Reconnecting... 1/5"}',
      '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Done."}}',
      '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}',
    ]);
    assert.equal(outcome.status, 'done', outcome.error);
  });

  it('fails with the last error event when codex exits without completing its turn', () => {
    const { outcome } = readAll(
      codex.createReader(),
      [
        '{"type":"thread.started","thread_id":"th-6"}',
        '{"type":"error","message":"unexpected status 401 Unauthorized"}',
      ],
      { code: 1, signal: null, stderrTail: '' },
    );
    assert.equal(outcome.error, 'codex failed: unexpected status 401 Unauthorized');
  });

  it('fails with the exit code and the last stderr line when codex exits non-zero without an event', () => {
    const { outcome } = readAll(codex.createReader(), [], {
      code: 1,
      signal: null,
      stderrTail: 'Reading prompt\nError: Not logged in. Run codex login.\n',
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'codex exited with code 1: Error: Not logged in. Run codex login.');
  });

  it('fails a run that exits 0 without completing its turn', () => {
    const { outcome } = readAll(codex.createReader(), ['{"type":"thread.started","thread_id":"th-3"}']);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error, /without completing its turn/);
  });

  it('ends awaiting input when the final message asks a question', () => {
    const { outcome } = readAll(codex.createReader(), [
      '{"type":"thread.started","thread_id":"th-4"}',
      '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"There are two schemas.\\nWhich one should I migrate?"}}',
      '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":5}}',
    ]);
    assert.equal(outcome.status, 'awaiting_input');
    assert.equal(outcome.question, 'There are two schemas.\nWhich one should I migrate?');
  });

  it('renders a todo list update as checkbox lines', () => {
    const reader = codex.createReader();
    const lines = reader.line(
      '{"type":"item.updated","item":{"id":"item_9","type":"todo_list","items":[{"text":"Write the route","completed":true},{"text":"Test it","completed":false}]}}',
    );
    assert.deepEqual(lines, ['[x] Write the route', '[ ] Test it']);
  });
});
