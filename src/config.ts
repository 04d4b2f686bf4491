/**
 * Configuration, loaded once: command-line flags over `BATON_*` environment variables over
 * defaults, validated and frozen. Nothing else in Baton reads `process.env`.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { z } from 'zod';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dbPath: string;
  readonly leaseMs: number;
  readonly token: string | undefined;
  readonly bodyLimit: number;
  readonly synchronous: 'full' | 'normal';
}

export class ConfigError extends Error {}

const serverSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65_535),
  dbPath: z.string().min(1),
  leaseMs: z.coerce.number().int().min(1_000).max(3_600_000),
  token: z.string().min(16, 'must be at least 16 characters').optional(),
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(64 * 1_048_576),
  synchronous: z.enum(['full', 'normal']),
});

export const SERVER_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  'lease-ms': { type: 'string' },
  token: { type: 'string' },
  'body-limit': { type: 'string' },
  sync: { type: 'string' },
} as const;

/** How each setting is named to the person who got it wrong. */
const SETTING_NAMES = {
  host: '--host (BATON_HOST)',
  port: '--port (BATON_PORT)',
  dbPath: '--db (BATON_DB)',
  leaseMs: '--lease-ms (BATON_LEASE_MS)',
  token: '--token (BATON_TOKEN)',
  bodyLimit: '--body-limit (BATON_BODY_LIMIT)',
  synchronous: '--sync (BATON_SYNC)',
} as const;

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** Parses `--flag value` arguments (no positionals); a bad flag is a ConfigError. */
export function parseFlags(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
): Record<string, string | undefined> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | undefined
    >;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

export function loadServerConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  return serverConfigFrom(parseFlags(args, SERVER_FLAGS), env);
}

/** The server's settings from flags already parsed (`baton up` parses the server's and the worker's at once). */
export function serverConfigFrom(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  // An empty environment variable counts as unset, as shells and env files commonly produce them.
  const pick = (flag: string, variable: string, fallback?: string) =>
    flags[flag] ?? (env[variable] || undefined) ?? fallback;
  const parsed = serverSchema.safeParse({
    host: pick('host', 'BATON_HOST', '127.0.0.1'),
    port: pick('port', 'BATON_PORT', '7070'),
    dbPath: pick('db', 'BATON_DB', './.baton/baton.db'),
    leaseMs: pick('lease-ms', 'BATON_LEASE_MS', '60000'),
    token: pick('token', 'BATON_TOKEN') || undefined,
    bodyLimit: pick('body-limit', 'BATON_BODY_LIMIT', '1048576'),
    synchronous: pick('sync', 'BATON_SYNC', 'normal'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0]) as keyof typeof SETTING_NAMES;
    throw new ConfigError(`Invalid ${SETTING_NAMES[key] ?? key}: ${issue?.message}`);
  }
  const config = parsed.data;
  if (!isLoopback(config.host) && !config.token) {
    throw new ConfigError(
      `Refusing to listen on ${config.host} without an API token: anyone who can reach it could run agents. ` +
        'Set --token (or BATON_TOKEN), or listen on 127.0.0.1.',
    );
  }
  return Object.freeze({ ...config, token: config.token });
}
