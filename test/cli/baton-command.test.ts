import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CLIENT_COMMANDS } from '../../src/cli/commands/index.ts';
import { exitCode, runBaton, startBaton } from '../baton-process.ts';
import { tempDir } from '../helpers.ts';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('the baton command', () => {
  it('prints the version from package.json', async () => {
    const run = runBaton(['version']);
    assert.equal(await exitCode(run.child), 0);
    assert.equal(run.stdout().trim(), packageVersion);
  });

  it('prints its usage, naming every command and server flag, and exits 0', async () => {
    const run = runBaton(['--help']);
    assert.equal(await exitCode(run.child), 0);
    for (const word of [
      'baton up',
      'baton server',
      'baton worker',
      ...CLIENT_COMMANDS.map((name) => `baton ${name}`),
      '--concurrency',
      '--agent-command',
      '--host',
      '--port',
      '--db',
      '--lease-ms',
      '--token',
      'BATON_TOKEN',
    ]) {
      assert.ok(run.stdout().includes(word), `usage lacks ${word}`);
    }
  });

  it('starts the orchestrator with baton up (what npm start runs) and creates its database file', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'nested', 'baton.db');
      const baton = await startBaton(['up', '--port', '0', '--db', db]);
      const health = await fetch(`${baton.url}/healthz`);
      assert.equal(health.status, 200);
      baton.child.kill('SIGINT');
      assert.equal(await exitCode(baton.child), 0, baton.stderr());
      assert.ok(baton.stdout().includes(`database ${db}`), baton.stdout());
      assert.ok(existsSync(db), 'the database file and its folder were created');
    } finally {
      dir.remove();
    }
  });

  it('refuses to start on a database written by a newer Baton, with one clear line and exit code 1', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'baton.db');
      const newer = new Database(db);
      newer.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      );
      newer.prepare('INSERT INTO schema_migrations VALUES (99, ?, 0)').run('from the future');
      newer.close();
      const run = runBaton(['server', '--port', '0', '--db', db]);
      assert.equal(await exitCode(run.child), 1);
      assert.match(
        run.stderr(),
        /^baton: cannot start: Database schema is version 99, newer than this Baton knows/,
      );
      assert.doesNotMatch(run.stderr(), /\n\s+at /, 'no stack trace');
    } finally {
      dir.remove();
    }
  });
});
