/**
 * Every HTTP endpoint of the README's API, with the inputs it takes: a valid request to start from
 * (built from the seeded jobs) and, per field, parameter and header, the bad values it must refuse.
 * A fuzz case changes exactly one input of the valid request, so the refusal is caused by it.
 */
import fc from 'fast-check';
import {
  anyJson,
  badArgv,
  badArray,
  badBoolean,
  badEnum,
  badIdentifier,
  badIdentifierText,
  badInt,
  badIsoTime,
  badLabel,
  badLowercaseName,
  badNumber,
  badPath,
  badRef,
  badRelativePath,
  badText,
  badUuid,
  wrongType,
} from './generators.ts';
import {
  badCursor,
  badIdempotencyKey,
  badIfMatch,
  badIntText,
  badLabelText,
  badLastEventId,
  badStatusList,
} from './wire-generators.ts';

/** The seeded jobs, one per status, that valid requests point at. */
export type Role = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'awaiting';

export interface Seed {
  ids: Record<Role, string>;
  /** The live lease token of the `running` job. */
  leaseToken: string;
}

export interface BodySpec {
  valid: (seed: Seed) => Record<string, unknown>;
  /** Dotted paths (`spec_json.setup.command`) to the values each must refuse. */
  fields: Record<string, fc.Arbitrary<unknown>>;
  /** Dotted paths that must be present. */
  required: readonly string[];
  /** Objects (dotted paths; '' is the body itself) that refuse unknown keys. */
  strict: readonly string[];
}

export interface QuerySpec {
  valid: Record<string, string>;
  params: Record<string, fc.Arbitrary<string>>;
}

export type HeaderName = 'if-match' | 'idempotency-key' | 'last-event-id';

export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The seeded job whose id fills `:id` in the valid request. */
  target?: Role;
  /** The JSON body it reads; 'empty' takes none (or `{}`). Absent: a GET, no body is read. */
  body?: BodySpec | 'empty';
  query?: QuerySpec;
  headers?: Partial<Record<HeaderName, fc.Arbitrary<string>>>;
}

export const JOB_STATUSES = ['pending', 'running', 'awaiting_input', 'done', 'failed', 'cancelled'] as const;
const COMPLETIONS = ['done', 'failed', 'awaiting_input', 'cancelled'] as const;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const createJob: BodySpec = {
  valid: (seed) => ({
    repo_url: '/srv/repos/app',
    spec_json: {
      prompt: 'Add a health check endpoint',
      agent: 'codex',
      model: 'some-model',
      context_files: ['src/server.ts'],
      notes: 'keep it small',
      test_command: ['npm', 'test'],
      setup: { copy_files: ['.env.example'], command: ['npm', 'ci'] },
      timeout_ms: 600_000,
    },
    worker_type: 'default',
    base_ref: 'main',
    branch_name: 'fuzz/base',
    worktree_path: '/tmp/baton-fuzz/worktree',
    conversation_id: 'conversation-1',
    feature_id: 'feature-1',
    feature_part: 'part-1',
    push_mode: 'never',
    priority: 0,
    run_at: '2099-01-01T00:00:00Z',
    depends_on: [seed.ids.done],
    max_attempts: 3,
  }),
  fields: {
    repo_url: badPath(),
    spec_json: wrongType('object'),
    'spec_json.prompt': badText({ min: 1, max: 200_000 }),
    'spec_json.agent': badLowercaseName(64),
    'spec_json.model': badLabel(false),
    'spec_json.context_files': badArray(badPath(), { max: 200, valid: 'a.ts' }),
    'spec_json.notes': badText({ max: 200_000 }),
    'spec_json.test_command': badArgv(),
    'spec_json.setup': wrongType('object'),
    'spec_json.setup.copy_files': badArray(badRelativePath(), { max: 100, valid: 'a' }),
    'spec_json.setup.command': badArgv(),
    'spec_json.timeout_ms': badInt(1_000, 86_400_000),
    worker_type: badIdentifier(),
    base_ref: badRef(),
    branch_name: badRef(),
    worktree_path: badPath(true),
    conversation_id: badLabel(),
    feature_id: badLabel(),
    feature_part: badLabel(),
    push_mode: badEnum(['always', 'never']),
    priority: badInt(-1000, 1000),
    run_at: badIsoTime(),
    depends_on: badArray(badUuid(), { max: 100, valid: '00000000-0000-4000-8000-000000000000' }),
    max_attempts: badInt(1, 100),
    status: fc.oneof(anyJson(), fc.constantFrom(...JOB_STATUSES)),
  },
  required: ['repo_url', 'spec_json', 'spec_json.prompt'],
  strict: ['', 'spec_json', 'spec_json.setup'],
};

const ifMatch = { 'if-match': badIfMatch() };
const intParam = (min: number, max: number) => badIntText(min, max);

export const ENDPOINTS: readonly Endpoint[] = [
  { method: 'POST', path: '/jobs', body: createJob, headers: { 'idempotency-key': badIdempotencyKey() } },
  {
    method: 'GET',
    path: '/jobs',
    query: {
      valid: {
        status: 'pending,done',
        worker_type: 'default',
        feature_id: 'feature-1',
        limit: '10',
        cursor: '5',
      },
      params: {
        status: badStatusList(JOB_STATUSES),
        worker_type: badIdentifierText(),
        feature_id: badLabelText(),
        limit: intParam(1, 500),
        cursor: badCursor(),
      },
    },
  },
  { method: 'GET', path: '/jobs/:id', target: 'pending' },
  { method: 'GET', path: '/jobs/:id/events', target: 'done' },
  {
    method: 'POST',
    path: '/jobs/claim',
    body: 'empty',
    query: {
      valid: { worker_type: 'fuzz-nobody', worker_id: 'fuzz-worker', wait_ms: '0', lease_ms: '5000' },
      params: {
        worker_type: badIdentifierText(),
        worker_id: badIdentifierText(),
        wait_ms: intParam(0, 60_000),
        lease_ms: intParam(1_000, 3_600_000),
      },
    },
  },
  {
    method: 'POST',
    path: '/jobs/:id/heartbeat',
    target: 'running',
    body: {
      valid: (s) => ({ lease_token: s.leaseToken }),
      fields: { lease_token: badUuid() },
      required: ['lease_token'],
      strict: [''],
    },
  },
  {
    method: 'POST',
    path: '/jobs/:id/complete',
    target: 'running',
    headers: ifMatch,
    body: {
      valid: (s) => ({
        status: 'done',
        result_summary: { note: 'added' },
        conversation_id: 'conversation-1',
        lease_token: s.leaseToken,
        retryable: false,
      }),
      fields: {
        status: badEnum(COMPLETIONS),
        conversation_id: badLabel(),
        lease_token: badUuid(),
        retryable: badBoolean(),
      },
      required: ['status'],
      strict: [''],
    },
  },
  {
    method: 'POST',
    path: '/jobs/:id/release',
    target: 'running',
    body: {
      valid: (s) => ({ lease_token: s.leaseToken, reason: 'shutting down' }),
      fields: { lease_token: badUuid(), reason: badText({ max: 1000 }) },
      required: ['lease_token'],
      strict: [''],
    },
  },
  { method: 'POST', path: '/jobs/:id/cancel', target: 'pending', body: 'empty', headers: ifMatch },
  {
    method: 'POST',
    path: '/jobs/:id/continue',
    target: 'done',
    headers: ifMatch,
    body: {
      valid: () => ({ prompt: 'Also add a test' }),
      fields: { prompt: badText({ min: 1, max: 200_000 }) },
      required: ['prompt'],
      strict: [''],
    },
  },
  { method: 'POST', path: '/jobs/:id/retry', target: 'failed', body: 'empty', headers: ifMatch },
  { method: 'DELETE', path: '/jobs/:id', target: 'cancelled', body: 'empty', headers: ifMatch },
  {
    method: 'POST',
    path: '/jobs/:id/logs',
    target: 'running',
    body: {
      valid: (s) => ({ lease_token: s.leaseToken, entries: [{ stream: 'stdout', text: 'building' }] }),
      fields: {
        lease_token: badUuid(),
        entries: badArray(wrongType('object'), { min: 1, max: 1000, valid: { stream: 'stdout', text: '' } }),
        'entries.0.stream': badLowercaseName(32),
        // Text past its 1 MiB maximum is past this server's body limit too: the too_large class covers it.
        'entries.0.text': wrongType('string'),
      },
      required: ['entries', 'entries.0.stream', 'entries.0.text'],
      strict: ['', 'entries.0'],
    },
  },
  {
    method: 'GET',
    path: '/jobs/:id/logs',
    target: 'running',
    query: {
      valid: { after: '0', limit: '10' },
      params: { after: intParam(0, MAX_SAFE), limit: intParam(1, 5000) },
    },
  },
  {
    method: 'POST',
    path: '/jobs/cleanup',
    body: {
      valid: () => ({ statuses: ['done'], max_age_days: 7 }),
      fields: {
        statuses: badArray(badEnum(['done', 'failed', 'cancelled']), { min: 1, valid: 'done' }),
        max_age_days: badNumber(0, 36_500),
      },
      required: [],
      strict: [''],
    },
  },
  {
    method: 'GET',
    path: '/events',
    query: { valid: { after: '0' }, params: { after: intParam(0, MAX_SAFE) } },
    headers: { 'last-event-id': badLastEventId() },
  },
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/metrics' },
];

export const endpointName = (endpoint: Endpoint): string => `${endpoint.method} ${endpoint.path}`;

/** The endpoint a method and concrete path reach, if any (`:id` matches any one segment, even empty). */
export function routeOf(method: string, path: string): Endpoint | undefined {
  const bare = path.split('?')[0] ?? path;
  return ENDPOINTS.find(
    (endpoint) =>
      endpoint.method === method && new RegExp(`^${endpoint.path.replace(':id', '[^/]*')}$`).test(bare),
  );
}
