/**
 * Where the client commands find the orchestrator: `--url` and `--token` over `BATON_URL` and
 * `BATON_TOKEN` over the default, read once per command and validated. An empty variable counts as
 * unset, as for the server's settings.
 */
import { ConfigError } from '../config.ts';

export const DEFAULT_URL = 'http://127.0.0.1:7070';

export interface ClientConfig {
  readonly url: string;
  readonly token: string | undefined;
}

/** The flags every client command accepts, for `node:util` parseArgs. */
export const CLIENT_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const;

export function loadClientConfig(
  flags: { url?: string | undefined; token?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ClientConfig {
  const url = flags.url ?? (env.BATON_URL || undefined) ?? DEFAULT_URL;
  const token = flags.token ?? (env.BATON_TOKEN || undefined);
  return Object.freeze({ url: checkUrl(url), token: token === undefined ? undefined : checkToken(token) });
}

function checkUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`Invalid --url (BATON_URL): '${value}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`Invalid --url (BATON_URL): must be an http:// or https:// URL, got '${value}'`);
  }
  // Credentials, a query or a fragment would be dropped or leak into logs: refuse them plainly.
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new ConfigError(
      'Invalid --url (BATON_URL): must not carry credentials, a query or a fragment (use --token)',
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function checkToken(value: string): string {
  // It goes into an HTTP header: whitespace or control characters would break or split it.
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new ConfigError('Invalid --token (BATON_TOKEN): must be printable ASCII without spaces');
  }
  return value;
}
