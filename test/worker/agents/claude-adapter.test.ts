import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClaudeAdapter } from '../../../src/worker/agents/claude.ts';
import { readAll } from './support.ts';

const claude = createClaudeAdapter('claude');
const HOSTILE = `$(touch x); rm -rf / "'\`id\``;
const SESSION = '8f3c2a55-1b7e-4c2d-9a61-0f5e2d3c4b1a';

const init = `{"type":"system","subtype":"init","session_id":"${SESSION}","cwd":"/w","model":"claude-sonnet-4-5","tools":["Bash","Edit"]}`;
const result = (fields: Record<string, unknown>) =>
  JSON.stringify({
    type: 'result',
    duration_ms: 5012,
    num_turns: 3,
    session_id: SESSION,
    total_cost_usd: 0.0421,
    usage: { input_tokens: 12, cache_read_input_tokens: 3400, output_tokens: 210 },
    ...fields,
  });

describe('the claude adapter', () => {
  it('builds a new run with the prompt as one element right after -p', () => {
    assert.deepEqual(claude.argv({ prompt: HOSTILE, conversationId: null }), [
      'claude',
      '-p',
      HOSTILE,
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
    ]);
  });

  it('builds a follow-up with the model and --resume of the session', () => {
    assert.deepEqual(claude.argv({ prompt: 'and the docs', conversationId: SESSION, model: 'opus' }), [
      'claude',
      '-p',
      'and the docs',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--model',
      'opus',
      '--resume',
      SESSION,
    ]);
  });

  it('reads the session id, the result text, cost, turns and usage of a successful run', () => {
    const { rendered, outcome } = readAll(claude.createReader(), [
      init,
      `{"type":"assistant","message":{"content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"t1","name":"Edit","input":{"file_path":"src/a.ts","old_string":"x","new_string":"y"}}]},"session_id":"${SESSION}"}`,
      `{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]},"session_id":"${SESSION}"}`,
      `{"type":"assistant","message":{"content":[{"type":"text","text":"Renamed x to y."}]},"session_id":"${SESSION}"}`,
      result({ subtype: 'success', is_error: false, result: 'Renamed x to y in src/a.ts.' }),
    ]);
    assert.deepEqual(outcome, {
      status: 'done',
      finalMessage: 'Renamed x to y in src/a.ts.',
      question: null,
      conversationId: SESSION,
      usage: {
        input_tokens: 12,
        cached_input_tokens: 3400,
        output_tokens: 210,
        total_cost_usd: 0.0421,
        num_turns: 3,
      },
      error: null,
    });
    assert.ok(rendered.includes('tool Edit: src/a.ts'), 'a tool call is shown with its file');
    assert.ok(rendered.includes('Let me look.'));
    assert.ok(rendered.some((line) => line.startsWith('result: success')));
  });

  it('fails with the result text when the result is an error', () => {
    const { outcome } = readAll(
      claude.createReader(),
      [
        init,
        result({ subtype: 'error_during_execution', is_error: true, result: 'API Error: 529 Overloaded' }),
      ],
      { code: 1, signal: null, stderrTail: '' },
    );
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'claude reported error_during_execution: API Error: 529 Overloaded');
    assert.equal(outcome.conversationId, SESSION);
  });

  it('fails a run that hit its turn limit even though is_error is false', () => {
    const { outcome } = readAll(claude.createReader(), [
      init,
      result({ subtype: 'error_max_turns', is_error: false }),
    ]);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'claude reported error_max_turns');
  });

  it('fails with the stderr line when claude exits before any result', () => {
    const { outcome } = readAll(claude.createReader(), [], {
      code: 1,
      signal: null,
      stderrTail: `No conversation found with session ID: ${SESSION}\n`,
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(
      outcome.error,
      `claude exited with code 1: No conversation found with session ID: ${SESSION}`,
    );
  });

  it('ends awaiting input when the result text asks a question', () => {
    const { outcome } = readAll(claude.createReader(), [
      init,
      result({
        subtype: 'success',
        is_error: false,
        result: 'Tests need a database.\nShould I add a Docker setup?',
      }),
    ]);
    assert.equal(outcome.status, 'awaiting_input');
    assert.equal(outcome.question, 'Tests need a database.\nShould I add a Docker setup?');
  });

  it('keeps only a session id the orchestrator can store, and renders a tool error given as text blocks', () => {
    const { rendered, outcome } = readAll(claude.createReader(), [
      init,
      JSON.stringify({ type: 'system', subtype: 'status', session_id: 'x'.repeat(300) }),
      JSON.stringify({
        type: 'user',
        message: {
          content: [
            { type: 'tool_result', is_error: true, content: [{ type: 'text', text: 'no such file' }] },
          ],
        },
      }),
      result({ subtype: 'success', is_error: false, result: 'Done.', session_id: '' }),
    ]);
    assert.equal(outcome.conversationId, SESSION, 'an id of 300 characters or an empty one is not taken');
    assert.ok(rendered.includes('tool error: no such file'), rendered.join('\n'));
  });
});
