import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config.ts';
import { defaultWorkerId, loadWorkerConfig, parseWorkerArgs } from '../../src/worker/worker-config.ts';

describe('worker configuration', () => {
  it('has defaults for one machine: the local orchestrator, three slots, codex, worktrees under ./.baton', () => {
    const config = loadWorkerConfig({}, {});
    assert.equal(config.url, 'http://127.0.0.1:7070');
    assert.equal(config.workerType, 'default');
    assert.equal(config.concurrency, 3);
    assert.equal(config.worktrees, resolve('.baton/worktrees'));
    assert.equal(config.agent, 'codex');
    assert.equal(config.codexPath, 'codex');
    assert.equal(config.agentCommand, undefined);
    assert.equal(config.workerId, defaultWorkerId());
    assert.match(config.workerId, new RegExp(`:${process.pid}$`));
  });

  it('takes flags over BATON_* variables, and an empty variable counts as unset', () => {
    const config = loadWorkerConfig(
      parseWorkerArgs(['--concurrency', '5', '--agent-command', '["aider","{prompt}"]']),
      {
        BATON_CONCURRENCY: '2',
        BATON_WORKER_TYPE: 'gpu',
        BATON_AGENT: '',
        BATON_URL: 'http://10.0.0.5:7070/',
      },
    );
    assert.equal(config.concurrency, 5);
    assert.equal(config.workerType, 'gpu');
    assert.equal(config.agent, 'codex');
    assert.equal(config.url, 'http://10.0.0.5:7070');
    assert.deepEqual(config.agentCommand, ['aider', '{prompt}']);
  });

  for (const [flags, setting] of [
    [['--concurrency', '0'], '--concurrency (BATON_CONCURRENCY)'],
    [['--url', 'ftp://example.invalid'], '--url (BATON_URL)'],
    [['--agent-command', 'aider --message'], '--agent-command (BATON_AGENT_COMMAND)'],
    [['--agent-command', '[]'], '--agent-command (BATON_AGENT_COMMAND)'],
    [['--id=-x'], '--id (BATON_WORKER_ID)'],
    [['--agent', 'Not A Name'], '--agent (BATON_AGENT)'],
  ] as const) {
    it(`refuses ${flags.join(' ')} naming ${setting}`, () => {
      assert.throws(
        () => loadWorkerConfig(parseWorkerArgs([...flags]), {}),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(`Invalid ${setting}`),
      );
    });
  }

  it('refuses an unknown flag as a configuration error', () => {
    assert.throws(() => parseWorkerArgs(['--concurency', '2']), ConfigError);
  });
});
