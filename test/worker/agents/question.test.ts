import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandQuestion, questionIn } from '../../../src/worker/agents/question.ts';

describe('the question rule for codex and claude', () => {
  it('takes a final message whose last non-empty line ends with "?" as a question, whole', () => {
    const message = 'I found two config files.\n\nWhich one should I change, app.json or app.local.json?\n\n';
    assert.equal(questionIn(message), message.trim());
  });

  it('ignores markdown emphasis, quotes and brackets after the question mark', () => {
    assert.equal(questionIn('**Should I also update the docs?**'), '**Should I also update the docs?**');
    assert.equal(questionIn('Proceed with "option B?")'), 'Proceed with "option B?")');
  });

  it('does not treat a question in an earlier line as the agent stopping to ask', () => {
    assert.equal(questionIn('Why was it slow? The cache was cold.\nI warmed it and added a test.'), null);
  });

  it('does not treat a statement, an empty message or no message as a question', () => {
    assert.equal(questionIn('Done: added the endpoint and its test.'), null);
    assert.equal(questionIn('   \n  '), null);
    assert.equal(questionIn(null), null);
  });
});

describe('the question rule for the command agent', () => {
  it('reads the text after BATON_QUESTION: as the question', () => {
    assert.equal(
      commandQuestion('BATON_QUESTION:  Which database should I use? '),
      'Which database should I use?',
    );
  });

  it('ignores lines that do not start with the marker, and a marker with no text', () => {
    assert.equal(commandQuestion('  BATON_QUESTION: indented'), null);
    assert.equal(commandQuestion('the agent says BATON_QUESTION: in the middle'), null);
    assert.equal(commandQuestion('BATON_QUESTION:   '), null);
  });
});
