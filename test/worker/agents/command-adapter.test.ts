import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentConfigError, createCommandAdapter } from '../../../src/worker/agents/command.ts';
import { tellingLine } from '../../../src/worker/agents/reader-support.ts';
import { readAll } from './support.ts';

const aider = createCommandAdapter([
  'aider',
  '--yes',
  '--model={model}',
  '--message',
  '{prompt}',
  '{conversation_id}',
]);

describe('the command adapter', () => {
  it('puts the prompt, model and conversation id into their elements, without splitting anything', () => {
    const prompt = `fix it; $(rm -rf ~) "quoted" 'single'`;
    assert.deepEqual(aider.argv({ prompt, conversationId: 'c-9', model: 'sonnet' }), [
      'aider',
      '--yes',
      '--model=sonnet',
      '--message',
      prompt,
      'c-9',
    ]);
  });

  it('replaces a missing conversation id and model with empty text', () => {
    assert.deepEqual(aider.argv({ prompt: 'p', conversationId: null }), [
      'aider',
      '--yes',
      '--model=',
      '--message',
      'p',
      '',
    ]);
  });

  it('does not substitute placeholders that arrive inside the prompt', () => {
    const argv = aider.argv({
      prompt: 'print {model} and {conversation_id}',
      conversationId: null,
      model: 'm',
    });
    assert.equal(argv[4], 'print {model} and {conversation_id}');
  });

  it('refuses a template that is empty or has no {prompt}', () => {
    assert.throws(() => createCommandAdapter([]), AgentConfigError);
    assert.throws(() => createCommandAdapter(['aider', '--yes']), /no \{prompt\} placeholder/);
  });

  it('is done on exit 0, with the end of its stdout as the final message', () => {
    const { rendered, outcome } = readAll(aider.createReader(), [
      'Applied edit to app.py',
      '',
      'Commit skipped',
    ]);
    assert.deepEqual(rendered, [], 'plain stdout is logged raw by the runner, not rendered again');
    assert.equal(outcome.status, 'done');
    assert.equal(outcome.finalMessage, 'Applied edit to app.py\nCommit skipped');
  });

  it('fails on a non-zero exit with the code and the last stderr line', () => {
    const { outcome } = readAll(aider.createReader(), ['working'], {
      code: 3,
      signal: null,
      stderrTail: 'Traceback...\nModelError: no API key\n',
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'the agent command exited with code 3: ModelError: no API key');
  });

  it('ends awaiting input with the text of a BATON_QUESTION line', () => {
    const { rendered, outcome } = readAll(aider.createReader(), [
      'thinking',
      'BATON_QUESTION: Keep the old API?',
    ]);
    assert.deepEqual(rendered, ['question: Keep the old API?']);
    assert.equal(outcome.status, 'awaiting_input');
    assert.equal(outcome.question, 'Keep the old API?');
  });

  it('fails rather than asks when the command that printed a question exits non-zero', () => {
    const { outcome } = readAll(aider.createReader(), ['BATON_QUESTION: Keep it?'], {
      code: 1,
      signal: null,
      stderrTail: '',
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.question, null);
  });
});

describe('the failure reason of a crashed agent', () => {
  it('names the error line of a crash, not the stack frames or the runtime banner after it', () => {
    const stderr = [
      'node:internal/modules/cjs/loader:1210',
      '  throw err;',
      '  ^',
      '',
      "Error: Cannot find module '/w/agent.js'",
      '    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)',
      '}',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    assert.equal(tellingLine(stderr), "Error: Cannot find module '/w/agent.js'");
  });

  it('falls back to the last line when no line reads like an error', () => {
    assert.equal(tellingLine('working\nstill working\ngave up\n'), 'gave up');
  });
});
