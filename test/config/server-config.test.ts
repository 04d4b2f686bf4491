import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config.ts';

describe('server configuration', () => {
  it('takes flags over BATON_* variables over defaults', () => {
    const config = loadServerConfig(['--lease-ms', '5000'], { BATON_LEASE_MS: '9000', BATON_PORT: '8080' });
    assert.equal(config.leaseMs, 5_000);
    assert.equal(config.port, 8_080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dbPath, './.baton/baton.db');
    assert.ok(Object.isFrozen(config));
  });

  it('treats an empty variable as unset', () => {
    const config = loadServerConfig([], {
      BATON_PORT: '',
      BATON_LEASE_MS: '',
      BATON_HOST: '',
      BATON_TOKEN: '',
    });
    assert.equal(config.port, 7_070);
    assert.equal(config.leaseMs, 60_000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.token, undefined);
  });

  it('names the setting, with its flag and variable, when a value is out of range', () => {
    for (const [args, env, name] of [
      [['--port', 'x'], {}, '--port (BATON_PORT)'],
      [[], { BATON_LEASE_MS: '10' }, '--lease-ms (BATON_LEASE_MS)'],
      [['--sync', 'sometimes'], {}, '--sync (BATON_SYNC)'],
    ] as const) {
      assert.throws(
        () => loadServerConfig([...args], env),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(`Invalid ${name}:`),
      );
    }
  });

  it('refuses a non-loopback host without a token, and accepts it with one', () => {
    assert.throws(
      () => loadServerConfig(['--host', '0.0.0.0'], {}),
      (error: unknown) => error instanceof ConfigError && /token/.test(error.message),
    );
    assert.equal(
      loadServerConfig(['--host', '0.0.0.0'], { BATON_TOKEN: 'a-long-enough-secret' }).host,
      '0.0.0.0',
    );
  });
});
