import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { exitCode, runBaton } from '../baton-process.ts';

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
});
