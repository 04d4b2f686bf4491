/** runAgent with the fake agents as real child processes in a real temp folder. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AgentAdapter, AgentInvocation } from '../../../src/worker/agents/agent.ts';
import { createAgents } from '../../../src/worker/agents/registry.ts';
import { type AgentLogEntry, runAgent } from '../../../src/worker/agents/run-agent.ts';
import { capText, MAX_LOG_TEXT } from '../../../src/worker/clip.ts';
import { tempDir } from '../../helpers.ts';
import { FAKE_CLAUDE, FAKE_CODEX, FAKE_COMMAND, readRecord } from './support.ts';

const HOSTILE =
  '$(touch by-shell-1); touch by-shell-2 && echo x > by-shell-3 | `touch by-shell-4` "$HOME" \'quoted\' \\ * ?';

describe('running an agent as a child process', () => {
  let dir: ReturnType<typeof tempDir>;
  let work: string;
  let recordFile: string;
  let env: NodeJS.ProcessEnv;
  const agents = createAgents({
    codexPath: FAKE_CODEX,
    claudePath: FAKE_CLAUDE,
    command: [FAKE_COMMAND, '--message', '{prompt}'],
  });
  const agent = (name: string): AgentAdapter => agents.get(name)!;

  beforeEach(() => {
    dir = tempDir('baton-agents-');
    work = join(dir.path, 'work');
    mkdirSync(work);
    recordFile = join(dir.path, 'record.jsonl');
    env = { FAKE_AGENT_STATE: join(dir.path, 'state'), FAKE_AGENT_RECORD: recordFile };
  });
  afterEach(() => dir.remove());

  async function run(adapter: AgentAdapter, invocation: AgentInvocation) {
    const logs: AgentLogEntry[] = [];
    const result = await runAgent({
      adapter,
      invocation,
      cwd: work,
      env,
      onLog: (entries) => logs.push(...entries),
    });
    return { ...result, logs };
  }

  for (const name of ['codex', 'claude']) {
    it(`runs fake ${name} in its folder: it edits a file and ends done with its conversation id`, async () => {
      const { outcome, stopped, pid, logs } = await run(agent(name), {
        prompt: 'Add a notes file\n@write notes/todo.md first line',
        conversationId: null,
      });
      assert.equal(outcome.status, 'done', outcome.error ?? '');
      assert.equal(stopped, null);
      assert.equal(readFileSync(join(work, 'notes/todo.md'), 'utf8'), 'first line\n');
      assert.match(outcome.conversationId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(outcome.finalMessage, 'Finished turn 1 of this conversation.');
      assert.ok((outcome.usage?.input_tokens ?? 0) > 0, 'usage is read from the stream');
      const [started] = readRecord(recordFile);
      assert.equal(started?.pid, pid);
      assert.equal(started?.cwd, work);
      assert.ok(
        logs.some((entry) => entry.stream === 'stdout' && entry.text.startsWith('{')),
        'raw lines are logged',
      );
      assert.ok(
        logs.some((entry) => entry.stream === 'agent' && entry.text.includes('notes/todo.md')),
        'and readable ones',
      );
    });

    it(`resumes the same ${name} conversation on a follow-up`, async () => {
      const first = await run(agent(name), { prompt: '@write a.txt one', conversationId: null });
      const id = first.outcome.conversationId;
      assert.ok(id);
      const second = await run(agent(name), { prompt: '@append a.txt two', conversationId: id });
      assert.equal(second.outcome.status, 'done', second.outcome.error ?? '');
      assert.equal(second.outcome.conversationId, id);
      assert.equal(second.outcome.finalMessage, 'Finished turn 2 of this conversation.');
      assert.equal(readFileSync(join(work, 'a.txt'), 'utf8'), 'one\ntwo\n');
    });

    it(`fails a ${name} follow-up of a conversation the agent does not know, with the agent's reason`, async () => {
      const { outcome } = await run(agent(name), { prompt: 'more', conversationId: 'no-such-conversation' });
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.error ?? '', new RegExp(`^${name} exited with code 1: .*no-such-conversation`));
    });

    it(`ends awaiting input when fake ${name} asks a question`, async () => {
      const { outcome } = await run(agent(name), {
        prompt: '@ask Which port should it listen on?',
        conversationId: null,
      });
      assert.equal(outcome.status, 'awaiting_input');
      assert.equal(outcome.question, 'Which port should it listen on?');
    });

    it(`passes a prompt full of shell metacharacters to ${name} as one argument, and runs nothing`, async () => {
      const { outcome } = await run(agent(name), { prompt: HOSTILE, conversationId: null });
      assert.equal(outcome.status, 'done', outcome.error ?? '');
      const argv = readRecord(recordFile)[0]?.argv ?? [];
      assert.equal(argv.filter((arg) => arg === HOSTILE).length, 1, 'the prompt is exactly one argv element');
      assert.deepEqual(readdirSync(work), ['BATON_FAKE.md'], 'no file was made by a shell');
      assert.equal(readFileSync(join(work, 'BATON_FAKE.md'), 'utf8'), `${HOSTILE}\n`);
    });
  }

  it('passes a prompt full of shell metacharacters to a command agent as one argument, and runs nothing', async () => {
    const { outcome } = await run(agent('command'), { prompt: HOSTILE, conversationId: null });
    assert.equal(outcome.status, 'done', outcome.error ?? '');
    assert.deepEqual(readRecord(recordFile)[0]?.argv, ['--message', HOSTILE]);
    assert.deepEqual(readdirSync(work), ['BATON_FAKE.md']);
  });

  it('runs a command agent: its stdout is logged as-is, and BATON_QUESTION makes it await input', async () => {
    const { outcome, logs } = await run(agent('command'), {
      prompt: '@write src/x.txt hi\n@ask Also update the changelog',
      conversationId: 'kept',
    });
    assert.equal(outcome.status, 'awaiting_input');
    assert.equal(outcome.question, 'Also update the changelog?');
    assert.equal(outcome.conversationId, 'kept', 'the resumed id is kept when the agent reports none');
    assert.deepEqual(
      logs.filter((entry) => entry.stream === 'stdout').map((entry) => entry.text),
      ['created src/x.txt', 'BATON_QUESTION: Also update the changelog?', 'done'],
    );
  });

  it('fails with the turn.failed message of fake codex', async () => {
    const { outcome } = await run(agent('codex'), {
      prompt: '@fail the model refused',
      conversationId: null,
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'codex failed: the model refused');
  });

  it('logs stderr lines and puts the last one in the reason of a failed exit', async () => {
    const { outcome, logs } = await run(agent('claude'), {
      prompt: '@stderr warming up\n@stderr fatal: out of disk\n@exit 3',
      conversationId: null,
    });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'claude exited with code 3: fatal: out of disk');
    assert.deepEqual(
      logs.filter((entry) => entry.stream === 'stderr').map((entry) => entry.text),
      ['warming up', 'fatal: out of disk'],
    );
  });

  it('says how to set the path when the program does not exist', async () => {
    const missing = createAgents({
      codexPath: join(dir.path, 'nowhere/codex'),
      claudePath: 'baton-test-no-such-claude',
    });
    const codex = await run(missing.get('codex')!, { prompt: 'p', conversationId: null });
    assert.equal(codex.outcome.status, 'failed');
    assert.equal(codex.pid, undefined);
    assert.equal(
      codex.outcome.error,
      `agent 'codex' could not start: program '${join(dir.path, 'nowhere/codex')}' was not found; set its path with --codex-path or BATON_CODEX_PATH`,
    );
    const claude = await run(missing.get('claude')!, { prompt: 'p', conversationId: null });
    assert.equal(
      claude.outcome.error,
      "agent 'claude' could not start: program 'baton-test-no-such-claude' was not found; set its path with --claude-path or BATON_CLAUDE_PATH",
    );
  });

  it('says the program is not executable when it lacks permission', async () => {
    const script = join(dir.path, 'codex');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const { outcome } = await run(createAgents({ codexPath: script, claudePath: 'claude' }).get('codex')!, {
      prompt: 'p',
      conversationId: null,
    });
    assert.equal(
      outcome.error,
      `agent 'codex' could not start: program '${script}' is not executable (permission denied); set its path with --codex-path or BATON_CODEX_PATH`,
    );
  });

  it('does not start an agent in a working folder that does not exist', async () => {
    const result = await runAgent({
      adapter: agent('codex'),
      invocation: { prompt: 'p', conversationId: null },
      cwd: join(dir.path, 'gone'),
      env,
      onLog: () => undefined,
    });
    assert.equal(result.outcome.status, 'failed');
    assert.match(result.outcome.error ?? '', /could not start: its working folder .*gone does not exist/);
    assert.deepEqual(readRecord(recordFile), [], 'nothing was started');
  });
});

describe('log entries', () => {
  it('cuts a text longer than 64 KB and says how much was cut', () => {
    const text = capText('y'.repeat(MAX_LOG_TEXT + 10));
    assert.ok(text.startsWith('y'.repeat(MAX_LOG_TEXT)));
    assert.ok(text.endsWith('[10 more characters cut]'));
    assert.equal(capText('short'), 'short');
  });
});
