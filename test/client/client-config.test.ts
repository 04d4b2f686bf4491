import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_URL, loadClientConfig } from '../../src/client/client-config.ts';
import { ConfigError } from '../../src/config.ts';

describe('client configuration', () => {
  it('defaults to the local orchestrator with no token', () => {
    assert.deepEqual(loadClientConfig({}, {}), { url: DEFAULT_URL, token: undefined });
    assert.equal(DEFAULT_URL, 'http://127.0.0.1:7070');
  });

  it('takes BATON_URL and BATON_TOKEN, and the flags over them', () => {
    const env = { BATON_URL: 'http://10.0.0.5:7070', BATON_TOKEN: 'env-token-0123456789' };
    assert.deepEqual(loadClientConfig({}, env), {
      url: 'http://10.0.0.5:7070',
      token: 'env-token-0123456789',
    });
    assert.deepEqual(loadClientConfig({ url: 'https://baton.example:8443/api/', token: 'flag-token' }, env), {
      url: 'https://baton.example:8443/api',
      token: 'flag-token',
    });
  });

  it('treats empty variables as unset', () => {
    assert.deepEqual(loadClientConfig({}, { BATON_URL: '', BATON_TOKEN: '' }), {
      url: DEFAULT_URL,
      token: undefined,
    });
  });

  for (const [url, why] of [
    ['localhost:7070', 'no http scheme'],
    ['ftp://127.0.0.1:7070', 'not http'],
    ['not a url', 'not a URL'],
    ['http://user:secret@127.0.0.1:7070', 'credentials'],
    ['http://127.0.0.1:7070/?x=1', 'a query'],
  ]) {
    it(`refuses --url ${url} (${why}) with a ConfigError naming the setting`, () => {
      assert.throws(
        () => loadClientConfig({ url }, {}),
        (error: Error) => error instanceof ConfigError && error.message.includes('--url (BATON_URL)'),
      );
    });
  }

  it('refuses a token with whitespace, which would break the header', () => {
    assert.throws(
      () => loadClientConfig({}, { BATON_TOKEN: 'two words' }),
      (error: Error) => error instanceof ConfigError && error.message.includes('--token (BATON_TOKEN)'),
    );
  });
});
