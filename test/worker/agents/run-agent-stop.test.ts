/** Stopping an agent: abort, timeout, SIGKILL after the grace period, and leftovers of a finished agent. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createAgents } from '../../../src/worker/agents/registry.ts';
import { type AgentLogEntry, type RunAgentOptions, runAgent } from '../../../src/worker/agents/run-agent.ts';
import { tempDir } from '../../helpers.ts';
import { FAKE_CLAUDE, FAKE_CODEX, FAKE_COMMAND, isGone, readRecord, waitFor } from './support.ts';

const agents = createAgents({
  codexPath: FAKE_CODEX,
  claudePath: FAKE_CLAUDE,
  command: [FAKE_COMMAND, '--message', '{prompt}'],
});

describe('stopping an agent', () => {
  let dir: ReturnType<typeof tempDir>;
  let recordFile: string;
  const started: number[] = [];

  beforeEach(() => {
    dir = tempDir('baton-agent-stop-');
    mkdirSync(join(dir.path, 'work'));
    recordFile = join(dir.path, 'record.jsonl');
  });
  afterEach(() => {
    // Whatever a failing test left running is killed here, never by name.
    for (const entry of readRecord(recordFile)) {
      for (const pid of [entry.pid, entry.grandchild]) if (pid) started.push(pid);
    }
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    dir.remove();
  });

  function start(name: string, prompt: string, options: Partial<RunAgentOptions> = {}) {
    const logs: AgentLogEntry[] = [];
    const running = runAgent({
      adapter: agents.get(name)!,
      invocation: { prompt, conversationId: null },
      cwd: join(dir.path, 'work'),
      env: { FAKE_AGENT_STATE: join(dir.path, 'state'), FAKE_AGENT_RECORD: recordFile },
      onLog: (entries) => logs.push(...entries),
      ...options,
    });
    return { running, logs };
  }

  const grandchildPid = () =>
    waitFor('the grandchild', () => readRecord(recordFile).find((e) => e.grandchild)?.grandchild);

  it('stops the whole process group on abort: the agent and the process it started are gone', async () => {
    const abort = new AbortController();
    const { running, logs } = start('codex', '@spawn-sleep 120000\n@sleep 120000', { signal: abort.signal });
    const grandchild = await grandchildPid();
    abort.abort();
    const result = await running;

    assert.equal(result.stopped, 'aborted');
    assert.equal(result.outcome.status, 'failed');
    assert.equal(result.outcome.error, "agent 'codex' was stopped: the run was aborted");
    assert.match(result.outcome.conversationId ?? '', /^[0-9a-f-]{36}$/, 'the thread can still be continued');
    assert.ok(result.pid);
    await waitFor('the agent to be gone', () => isGone(result.pid!));
    await waitFor('the grandchild to be gone', () => isGone(grandchild));
    assert.ok(logs.some((entry) => entry.stream === 'agent' && entry.text === 'stopping codex (aborted)'));
  });

  it('stops an agent that runs past its timeout and says so', async () => {
    const { running } = start('claude', '@sleep 120000', { timeoutMs: 300 });
    const result = await running;
    assert.equal(result.stopped, 'timeout');
    assert.equal(result.outcome.status, 'failed');
    assert.equal(
      result.outcome.error,
      "agent 'claude' was stopped: it ran longer than its timeout of 300 ms",
    );
    await waitFor('the agent to be gone', () => isGone(result.pid!));
  });

  it('kills an agent that ignores SIGTERM once the grace period is over', async () => {
    const abort = new AbortController();
    const { running, logs } = start('command', '@ignore-term\n@spawn-sleep 120000\n@sleep 120000', {
      signal: abort.signal,
      graceMs: 200,
    });
    const grandchild = await grandchildPid();
    await waitFor('the agent to be sleeping', () => logs.some((entry) => entry.text.startsWith('sleeping')));
    abort.abort();
    const result = await running;
    assert.equal(result.stopped, 'aborted');
    assert.ok(
      logs.some((entry) => entry.stream === 'stderr' && entry.text === 'ignoring SIGTERM'),
      'the agent received SIGTERM first',
    );
    await waitFor('the agent to be gone', () => isGone(result.pid!));
    await waitFor('the grandchild to be gone', () => isGone(grandchild));
  });

  it('stops what a finished agent left running in its group, and still ends done', async () => {
    const { running } = start('command', '@spawn-sleep 120000\n@write out.txt ok');
    const result = await running;
    assert.equal(result.stopped, null);
    assert.equal(result.outcome.status, 'done', result.outcome.error ?? '');
    const grandchild = readRecord(recordFile).find((e) => e.grandchild)?.grandchild;
    assert.ok(grandchild);
    await waitFor('the leftover process to be gone', () => isGone(grandchild));
  });

  it('starts nothing when the run is already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    const result = await start('codex', 'p', { signal: abort.signal }).running;
    assert.equal(result.stopped, 'aborted');
    assert.equal(result.pid, undefined);
    assert.equal(result.outcome.status, 'failed');
    assert.deepEqual(readRecord(recordFile), []);
  });
});
