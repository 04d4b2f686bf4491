import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  branchNameProblem,
  defaultBranchName,
  pathProblem,
} from '../../../src/orchestrator/models/naming.ts';

describe('branch names', () => {
  for (const good of ['main', 'feature/login', 'baton/fix-1a2b3c4d', 'release-1.2']) {
    it(`accepts ${good}`, () => assert.equal(branchNameProblem(good), null));
  }
  for (const bad of [
    '../x',
    'a/../b',
    '-x',
    '--upload-pack=evil',
    'a b',
    'a..b',
    'x.lock',
    '/x',
    'x/',
    'a//b',
    '.hidden',
    'a@{1}',
    'a~1',
    'a^',
    'a:b',
    '',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.notEqual(branchNameProblem(bad), null));
  }

  it('generates baton/<slug>-<last 8 hex digits of the id> from the prompt and id, and the result is itself valid', () => {
    const name = defaultBranchName('Fix the login bug!  (urgent)', '01a23cdc-02fd-7652-a7c2-5dfdd4acb3d1');
    assert.equal(name, 'baton/fix-the-login-bug-urgent-d4acb3d1');
    assert.equal(branchNameProblem(name), null);
  });

  it('falls back to baton/job-<short id> when the prompt has no usable characters', () => {
    assert.equal(defaultBranchName('!!! ???', '01a23cdc-0000-7000-8000-0000abcdef12'), 'baton/job-abcdef12');
  });
});

describe('path-like values', () => {
  it('accepts absolute and relative paths and URLs', () => {
    for (const ok of [
      '/srv/repo',
      '.',
      'repos/app',
      'https://example.invalid/org/app.git',
      'git@example.invalid:org/app.git',
    ]) {
      assert.equal(pathProblem(ok), null, ok);
    }
  });
  it('refuses .. components, option-like prefixes and NUL', () => {
    for (const bad of ['../x', '/srv/../etc', '-oProxyCommand=x', 'a\0b', ''])
      assert.notEqual(pathProblem(bad), null, bad);
  });
});
