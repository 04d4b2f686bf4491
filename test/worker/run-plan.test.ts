import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clip } from '../../src/worker/clip.ts';
import { commitMessage, promptForRun, resultSummary } from '../../src/worker/run-plan.ts';

describe('the plan of a run', () => {
  it('runs the original prompt until the job is continued, then the newest follow-up', () => {
    assert.deepEqual(promptForRun({ prompt: 'Add a cache' }), { prompt: 'Add a cache', followUp: false });
    assert.deepEqual(
      promptForRun({
        prompt: 'Add a cache',
        follow_ups: [
          { prompt: 'Use SQLite', at: 1 },
          { prompt: 'Add a test', at: 2 },
        ],
      }),
      { prompt: 'Add a test', followUp: true },
    );
  });

  it('takes the commit subject from the first line of the prompt, shortened, with the whole prompt as body', () => {
    assert.deepEqual(commitMessage('Fix the login bug'), { subject: 'Fix the login bug' });
    const long = `${'x'.repeat(100)}\nDetails here`;
    const message = commitMessage(long);
    assert.equal(message.subject.length, 72);
    assert.ok(message.subject.endsWith('…'));
    assert.equal(message.body, long);
    assert.equal(commitMessage('   \n').subject, 'Baton job');
  });

  it('summarizes a run with its commit, files, tests, agent outcome and durations', () => {
    const summary = resultSummary({
      agent: 'codex',
      workerId: 'w1',
      attempt: 2,
      branch: 'baton/x',
      base: 'main',
      worktreePath: '/w/x',
      baseCommit: 'abc',
      followUp: false,
      outcome: {
        status: 'done',
        finalMessage: 'm'.repeat(20_000),
        question: null,
        conversationId: 'thread-1',
        usage: { input_tokens: 10, output_tokens: 5 },
        error: null,
      },
      commit: {
        commit: 'def',
        files: [{ path: 'a.js', insertions: 3, deletions: 1 }],
        insertions: 3,
        deletions: 1,
      },
      pushed: true,
      tests: { passed: false, exitCode: 1, durationMs: 20, command: ['npm', 'test'] },
      durations: { agent: 100, total: 150 },
    });
    assert.equal(summary.commit, 'def');
    assert.deepEqual(summary.files_changed, [{ path: 'a.js', insertions: 3, deletions: 1 }]);
    assert.equal(summary.tests_passed, false);
    assert.equal(summary.conversation_id, 'thread-1');
    assert.deepEqual(summary.usage, { input_tokens: 10, output_tokens: 5 });
    assert.ok((summary.final_message as string).length < 17_000, 'a huge final message is clipped');
    assert.equal('reason' in summary, false);
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('clipping text', () => {
  it('never splits a surrogate pair', () => {
    const text = `ab${'😀'.repeat(5)}`;
    for (let max = 1; max < text.length; max++) {
      const clipped = clip(text, max, '');
      assert.ok(clipped.length <= max);
      assert.doesNotMatch(clipped, LONE_SURROGATE, `clip at ${max} is well formed`);
    }
    assert.equal(clip('short', 10), 'short');
  });
});
