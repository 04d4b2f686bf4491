import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { AgentConfigError } from '../../../src/worker/agents/command.ts';
import { createAgents } from '../../../src/worker/agents/registry.ts';

const invocation = { prompt: 'p', conversationId: null };

describe('the agent registry', () => {
  it('offers codex and claude, and command only when a template is configured', () => {
    assert.deepEqual(createAgents({ codexPath: 'codex', claudePath: 'claude' }).names(), ['codex', 'claude']);
    const agents = createAgents({ codexPath: 'codex', claudePath: 'claude', command: ['aider', '{prompt}'] });
    assert.deepEqual(agents.names(), ['codex', 'claude', 'command']);
    assert.equal(createAgents({ codexPath: 'codex', claudePath: 'claude' }).get('command'), undefined);
    assert.equal(agents.get('gemini'), undefined);
  });

  it('leaves a bare program name to the PATH lookup and makes a relative path absolute', () => {
    const agents = createAgents({
      codexPath: 'codex',
      claudePath: './tools/claude',
      command: ['bin/agent', '{prompt}'],
    });
    assert.equal(agents.get('codex')?.argv(invocation)[0], 'codex');
    assert.equal(agents.get('claude')?.argv(invocation)[0], resolve('tools/claude'));
    assert.equal(agents.get('command')?.argv(invocation)[0], resolve('bin/agent'));
  });

  it('names the setting that sets each program, for error messages', () => {
    const agents = createAgents({ codexPath: 'codex', claudePath: 'claude', command: ['a', '{prompt}'] });
    assert.equal(agents.get('codex')?.pathSetting, '--codex-path or BATON_CODEX_PATH');
    assert.equal(agents.get('claude')?.pathSetting, '--claude-path or BATON_CLAUDE_PATH');
    assert.equal(agents.get('command')?.pathSetting, '--agent-command or BATON_AGENT_COMMAND');
  });

  it('refuses a command template that could never receive the prompt', () => {
    assert.throws(
      () => createAgents({ codexPath: 'codex', claudePath: 'claude', command: ['aider'] }),
      AgentConfigError,
    );
  });
});
