/** The fakes are strict about their argv, so the runAgent tests prove the adapters' argv shapes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { tempDir } from '../../helpers.ts';
import { FAKE_CLAUDE, FAKE_CODEX, FAKE_COMMAND } from './support.ts';

function runFake(program: string, args: string[]) {
  const dir = tempDir('baton-fake-');
  try {
    const result = spawnSync(program, args, {
      cwd: dir.path,
      encoding: 'utf8',
      env: { ...process.env, FAKE_AGENT_STATE: dir.path, FAKE_AGENT_RECORD: '' },
      timeout: 20_000,
    });
    return { code: result.status, stderr: result.stderr };
  } finally {
    dir.remove();
  }
}

describe('the fake agents', () => {
  it('fake codex refuses an argv that is not the adapter shape, with exit 2 and a usage line', () => {
    const resumeWithoutCheck = ['exec', '--json', '--sandbox', 'workspace-write', 'resume', 'id', 'p'];
    const { code, stderr } = runFake(FAKE_CODEX, resumeWithoutCheck);
    assert.equal(code, 2);
    assert.match(stderr, /usage: codex exec --json/);
    assert.equal(
      runFake(FAKE_CODEX, [
        'exec',
        '--json',
        '--sandbox',
        'workspace-write',
        '--skip-git-repo-check',
        'a',
        'b',
      ]).code,
      2,
    );
  });

  it('fake claude refuses a prompt that is not right after -p', () => {
    const args = [
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '-p',
      'p',
    ];
    assert.equal(runFake(FAKE_CLAUDE, args).code, 2);
  });

  it('fake command refuses a call without --message', () => {
    assert.equal(runFake(FAKE_COMMAND, ['--model', 'm']).code, 2);
  });

  it('fake codex accepts the adapter shape and exits 0', () => {
    const args = [
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '-m',
      'm',
      '@exit 0',
    ];
    assert.equal(runFake(FAKE_CODEX, args).code, 0);
  });
});
