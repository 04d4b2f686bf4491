import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitMessageText, parseNumstat } from '../../../src/worker/git/commit.ts';
import { displayUrl, GitError, WorkspaceError } from '../../../src/worker/git/errors.ts';
import { gitEnv } from '../../../src/worker/git/git.ts';
import { KeyedMutex } from '../../../src/worker/git/keyed-mutex.ts';
import { isStrictlyInside, parseRepoUrl, repoKey } from '../../../src/worker/git/locations.ts';
import { mergeRepoConfig, parseRepoConfig } from '../../../src/worker/git/repo-config.ts';

describe('.baton.json parsing and merging', () => {
  it('reads test_command and setup from a valid file', () => {
    const config = parseRepoConfig(
      '{"test_command":["npm","test"],"setup":{"copy_files":[".env"],"command":["npm","ci"]}}',
      '.baton.json',
    );
    assert.deepEqual(config, {
      test_command: ['npm', 'test'],
      setup: { copy_files: ['.env'], command: ['npm', 'ci'] },
    });
  });

  it('refuses bad JSON, unknown keys, a string command and paths that escape, naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['{not json', /not valid JSON/],
      ['{"test_comand":["npm"]}', /test_comand/],
      ['{"test_command":"npm test"}', /test_command/],
      ['{"setup":{"copy_files":["../secrets"]}}', /setup\.copy_files\.0: .*'\.\.'/],
      ['{"setup":{"copy_files":["/etc/passwd"]}}', /relative/],
      ['{"setup":{"command":[]}}', /setup\.command/],
    ];
    for (const [text, problem] of bad) {
      assert.throws(
        () => parseRepoConfig(text, '/w/.baton.json'),
        (error: unknown) =>
          error instanceof WorkspaceError &&
          error.code === 'bad_repo_config' &&
          error.message.startsWith('/w/.baton.json') &&
          problem.test(error.message),
        text,
      );
    }
  });

  it('lets the job win field by field and keeps the file’s other fields', () => {
    const file = { test_command: ['npm', 'test'], setup: { copy_files: ['.env'], command: ['npm', 'ci'] } };
    assert.deepEqual(mergeRepoConfig(file, {}), file);
    assert.deepEqual(
      mergeRepoConfig(file, { test_command: ['make', 'check'], setup: { command: ['make'] } }),
      {
        test_command: ['make', 'check'],
        setup: { copy_files: ['.env'], command: ['make'] },
      },
    );
    assert.deepEqual(mergeRepoConfig({}, {}), {});
  });
});

describe('commit message and numstat', () => {
  it('uses the first non-empty line as the subject, shortened, then the body, then the trailer', () => {
    const long = `\n  Make   the ${'very '.repeat(20)}long change\nmore`;
    const text = commitMessageText({ subject: long, body: 'Why.\r\n\r\nDetails.' }, 'job-1');
    const [subject, blank, ...rest] = text.split('\n');
    assert.ok(subject!.startsWith('Make the very very'));
    assert.ok(subject!.length <= 72);
    assert.ok(subject!.endsWith('…'));
    assert.equal(blank, '');
    assert.equal(rest.join('\n'), 'Why.\n\nDetails.\n\nBaton-Job: job-1\n');
  });

  it('falls back to a subject naming the job when the prompt is blank', () => {
    assert.equal(commitMessageText({ subject: '  \n ' }, 'j2'), 'Baton job j2\n\nBaton-Job: j2\n');
  });

  it('parses numstat records, with binary files as 0/0 and tabs kept in paths', () => {
    assert.deepEqual(parseNumstat('3\t1\tsrc/a.ts\0-\t-\timg.png\x000\t2\tweird\tname.txt\0'), [
      { path: 'src/a.ts', insertions: 3, deletions: 1 },
      { path: 'img.png', insertions: 0, deletions: 0 },
      { path: 'weird\tname.txt', insertions: 0, deletions: 2 },
    ]);
    assert.deepEqual(parseNumstat(''), []);
  });
});

describe('repository URLs and paths', () => {
  it('tells local repositories from remote ones', () => {
    assert.equal(parseRepoUrl('/srv/repos/app/').localPath, '/srv/repos/app');
    assert.equal(parseRepoUrl('file:///srv/repos/app').localPath, '/srv/repos/app');
    for (const remote of [
      'https://example.invalid/o/app.git',
      'ssh://git@example.invalid/o/app',
      'git@h:o/app',
    ]) {
      assert.equal(parseRepoUrl(remote).localPath, null, remote);
    }
  });

  it('refuses option-like, relative and helper-transport URLs', () => {
    for (const url of ['-u', 'app', './app', 'ext::sh -c id', 'fd::3', '', 'https://h/a\nb']) {
      assert.throws(
        () => parseRepoUrl(url),
        (e: unknown) => e instanceof WorkspaceError && e.code === 'bad_repo_url',
      );
    }
  });

  it('gives one cache key per normalized URL, readable and never starting with a dot', () => {
    const a = repoKey(parseRepoUrl('/srv/repos/app'));
    assert.equal(a, repoKey(parseRepoUrl('/srv/repos/app/')));
    assert.equal(a, repoKey(parseRepoUrl('file:///srv/repos/app')));
    assert.notEqual(a, repoKey(parseRepoUrl('/srv/other/app')));
    assert.match(a, /^app-[0-9a-f]{10}$/);
    assert.match(repoKey(parseRepoUrl('git@h:o/.hidden.git')), /^hidden-[0-9a-f]{10}$/);
  });

  it('hides a password in a URL shown in logs', () => {
    assert.equal(
      displayUrl('https://me:s3cret@example.invalid/r.git'),
      'https://me:***@example.invalid/r.git',
    );
    assert.equal(displayUrl('/srv/repos/app'), '/srv/repos/app');
  });

  it('counts only paths strictly below the parent as inside', () => {
    assert.equal(isStrictlyInside('/w', '/w/a'), true);
    assert.equal(isStrictlyInside('/w', '/w'), false);
    assert.equal(isStrictlyInside('/w', '/wx/a'), false);
    assert.equal(isStrictlyInside('/w', '/x'), false);
  });
});

describe('KeyedMutex', () => {
  it('serves one key’s holders in arrival order and leaves other keys free', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const releaseA1 = await mutex.acquire('a');
    const a2 = mutex.run('a', async () => {
      order.push('a2');
    });
    const a3 = mutex.run('a', async () => {
      order.push('a3');
    });
    await mutex.run('b', async () => {
      order.push('b');
    });
    assert.deepEqual(order, ['b']);
    releaseA1();
    releaseA1(); // a second release changes nothing
    await Promise.all([a2, a3]);
    assert.deepEqual(order, ['b', 'a2', 'a3']);
  });

  it('releases the key when the work throws', async () => {
    const mutex = new KeyedMutex();
    await assert.rejects(
      mutex.run('k', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await mutex.run('k', async () => 'next'), 'next');
  });
});

describe('gitEnv', () => {
  it('sets the identity and no-prompt, and drops variables that point git at another repository', () => {
    const env = gitEnv(
      { PATH: '/bin', GIT_DIR: '/elsewhere/.git', GIT_WORK_TREE: '/elsewhere' },
      {
        name: 'Baton',
        email: 'baton@example.invalid',
      },
    );
    assert.equal(env.PATH, '/bin');
    assert.equal(env.GIT_DIR, undefined);
    assert.equal(env.GIT_WORK_TREE, undefined);
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GIT_AUTHOR_NAME, 'Baton');
    assert.equal(env.GIT_COMMITTER_EMAIL, 'baton@example.invalid');
  });
});

describe('git errors', () => {
  it('never carry a password from a repository URL into their message', () => {
    const error = new GitError(
      ['clone', '--', 'https://me:s3cret@example.invalid/r.git', '/tmp/x'],
      '/tmp',
      128,
      'fatal: unable to access',
    );
    assert.doesNotMatch(error.message, /s3cret/);
    assert.match(error.message, /https:\/\/me:\*\*\*@example\.invalid\/r\.git/);
  });
});
