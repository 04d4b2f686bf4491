import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { claimExpecting, createJob, dumpDatabase, jobBody } from './support.ts';

const MIB = 1_048_576;

describe('bad input is refused with 4xx { error, code } and changes nothing', () => {
  let server: ServerFixture;
  let baseline: string;
  let pending: string;
  let running: string;
  let lease: string;
  let done: string;

  before(async () => {
    server = await startServer();
    running = (await createJob(server)).id;
    lease = (await claimExpecting(server, running)).lease_token;
    done = (await createJob(server)).id;
    const doneLease = (await claimExpecting(server, done)).lease_token;
    await server.api('POST', `/jobs/${done}/complete`, { status: 'done', lease_token: doneLease });
    pending = (await createJob(server, { run_at: '2099-01-01T00:00:00Z' })).id;
    baseline = dumpDatabase(server.dbPath);
  });
  after(async () => {
    await server.cleanup();
  });

  /** Sends one bad request; asserts the status, the error shape and that the database is untouched. */
  const refuse = async (
    method: string,
    path: string,
    body: unknown,
    status: number,
    code: string,
    headers: Record<string, string> = {},
  ) => {
    const response = await server.api(method, path, body, headers);
    const what = `${method} ${path} ${typeof body === 'string' ? body.slice(0, 80) : JSON.stringify(body)?.slice(0, 80)}`;
    assert.ok(response.status < 500, `${what} answered ${response.status}`);
    assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.code, code, what);
    assert.equal(typeof response.body.error, 'string', what);
    assert.ok(response.body.error.length > 0, what);
    assert.equal(dumpDatabase(server.dbPath), baseline, `${what} changed the database`);
  };
  const invalid = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    refuse(method, path, body, 400, 'validation_failed', headers);

  it('refuses malformed JSON and bodies that are not a JSON object', async () => {
    for (const body of [
      '{"repo_url": ',
      '{"repo_url": "/srv/x",}',
      "{'a': 1}",
      '{"a":1} trailing',
      'null',
      '[]',
      '"job"',
      '42',
    ]) {
      await invalid('POST', '/jobs', body);
    }
    await invalid('POST', '/jobs', '{"status": "done",', { 'content-type': 'text/plain' });
    await invalid('POST', `/jobs/${running}/heartbeat`, '{"lease_token": ');
    await invalid('POST', '/jobs');
  });

  it('refuses a body that is not valid UTF-8', async () => {
    const prefix = new TextEncoder().encode('{"repo_url":"/srv/');
    const suffix = new TextEncoder().encode('","spec_json":{"prompt":"x"}}');
    for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      await invalid('POST', '/jobs', new Uint8Array([...prefix, ...bad, ...suffix]));
    }
  });

  it('refuses wrong types, unknown fields and status on create', async () => {
    const bodies = [
      jobBody({ repo_url: 5 }),
      jobBody({ spec_json: 'do it' }),
      jobBody({ spec_json: { prompt: '' } }),
      jobBody({ priority: '1' }),
      jobBody({ priority: 1.5 }),
      jobBody({ depends_on: pending }),
      jobBody({ depends_on: ['not-a-uuid'] }),
      jobBody({ push_mode: 'sometimes' }),
      jobBody({ run_at: 'tomorrow' }),
      jobBody({ run_at: '2026-13-01T00:00:00Z' }),
      jobBody({ worker_type: 'has space' }),
      jobBody({ conversation_id: '' }),
      jobBody({ colour: 'red' }),
      jobBody({ spec_json: { prompt: 'x', temperature: 2 } }),
      jobBody({ status: 'pending' }),
      jobBody({ status: 'done' }),
      { repo_url: '/srv/repos/app' },
    ];
    for (const body of bodies) await invalid('POST', '/jobs', body);
    await invalid('POST', '/jobs', jobBody(), { 'idempotency-key': 'k'.repeat(201) });
    await invalid('POST', `/jobs/${pending}/cancel`, { force: true });
    await invalid('POST', `/jobs/${done}/continue`, { prompt: '' });
    await invalid('POST', `/jobs/${done}/continue`, { prompt: 'more', extra: 1 });
    await invalid('POST', `/jobs/${running}/heartbeat`, {});
    await invalid('POST', `/jobs/${running}/heartbeat`, { lease_token: 'not-a-uuid' });
    await invalid('POST', `/jobs/${running}/release`, { lease_token: lease, reason: 7 });
    await invalid('POST', `/jobs/${running}/complete`, {
      status: 'done',
      lease_token: lease,
      retryable: 'yes',
    });
  });

  it('refuses unknown status values in a completion and in list filters', async () => {
    for (const status of ['finished', 'DONE', 'running', 'pending', '', null, 3]) {
      await invalid('POST', `/jobs/${running}/complete`, { status, lease_token: lease });
    }
    for (const query of [
      'status=bogus',
      'status=pending,bogus',
      'status=',
      'status=,',
      'status=pending&status=done',
      'limit=0',
      'limit=501',
      'limit=-1',
      'limit=ten',
      'cursor=0',
      'cursor=abc',
      'cursor=-5',
      'worker_type=has%20space',
      'colour=red',
    ]) {
      await invalid('GET', `/jobs?${query}`);
    }
  });

  it('refuses a job id in the path that is not a UUID', async () => {
    for (const id of [
      'not-a-uuid',
      '123',
      `${pending}x`,
      pending.replace(/-/g, ''),
      '%00',
      'a'.repeat(300),
    ]) {
      await invalid('GET', `/jobs/${id}`);
      await invalid('GET', `/jobs/${id}/events`);
      await invalid('POST', `/jobs/${id}/cancel`);
      await invalid('DELETE', `/jobs/${id}`);
    }
    await invalid('GET', '/jobs/%E0%A4%A');
  });

  it('refuses branch names, refs and paths that git or the file system could misread', async () => {
    for (const name of [
      '../x',
      '-x',
      '--upload-pack=evil',
      'a..b',
      'x.lock',
      'a b',
      'a~1',
      '/abs',
      'x/',
      '.hidden',
    ]) {
      await invalid('POST', '/jobs', jobBody({ branch_name: name }));
      await invalid('POST', '/jobs', jobBody({ base_ref: name }));
    }
    for (const path of ['-x', '--upload-pack=evil', '../../etc', '/srv/../etc', '', 'a\u0000b']) {
      await invalid('POST', '/jobs', jobBody({ repo_url: path }));
      await invalid('POST', '/jobs', jobBody({ worktree_path: path }));
      await invalid('POST', '/jobs', jobBody({ spec_json: { prompt: 'x', context_files: [path] } }));
    }
    // A repository a worker could not find, or that git would read as a helper transport.
    for (const repo of [
      'relative/repo',
      'ext::sh -c touch% /tmp/pwned',
      'fd::3',
      'https://h/a\nb',
      'ftp-ish',
    ]) {
      await invalid('POST', '/jobs', jobBody({ repo_url: repo }));
    }
  });

  it('refuses a body larger than 1 MiB with 413 payload_too_large', async () => {
    const big = JSON.stringify(jobBody({ spec_json: { prompt: 'x', notes: 'n'.repeat(MIB) } }));
    await refuse('POST', '/jobs', big, 413, 'payload_too_large');
    await refuse(
      'POST',
      `/jobs/${running}/complete`,
      `{"status":"done","result_summary":"${'r'.repeat(MIB)}"}`,
      413,
      'payload_too_large',
    );
  });

  it('refuses a streamed body without Content-Length once it passes 1 MiB with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * MIB) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const init = {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    };
    const response = await fetch(`${server.url}/jobs`, init as RequestInit);
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { code: string }).code, 'payload_too_large');
    assert.equal(dumpDatabase(server.dbPath), baseline);
  });

  it('refuses nesting deeper than 64 levels in result_summary', async () => {
    for (const depth of [65, 100, 100_000]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      await invalid(
        'POST',
        `/jobs/${running}/complete`,
        `{"status":"done","lease_token":"${lease}","result_summary":${nested}}`,
      );
      const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      await invalid(
        'POST',
        `/jobs/${running}/complete`,
        `{"status":"done","lease_token":"${lease}","result_summary":${objects}}`,
      );
    }
  });

  it('refuses negative, fractional and enormous numbers', async () => {
    for (const priority of [-1001, 1001, 1e308, -1e308, 2 ** 53, 0.5])
      await invalid('POST', '/jobs', jobBody({ priority }));
    await invalid('POST', '/jobs', '{"repo_url":"/srv/a","spec_json":{"prompt":"x"},"priority":1e400}');
    for (const max_attempts of [0, -1, 101, 1e20, 1.5])
      await invalid('POST', '/jobs', jobBody({ max_attempts }));
    for (const value of ['-1', '60001', '1e3', '1.5', '99999999999999999999', 'soon', '']) {
      await invalid('POST', `/jobs/claim?wait_ms=${value}`);
    }
    for (const value of ['999', '0', '-1000', '3600001', '1e6', '99999999999999999999']) {
      await invalid('POST', `/jobs/claim?lease_ms=${value}`);
    }
    for (const max_age_days of [-1, 36_501, 1e308, 'seven'])
      await invalid('POST', '/jobs/cleanup', { max_age_days });
    await invalid('POST', '/jobs/cleanup', { statuses: ['running'] });
    await invalid('GET', `/jobs/${running}/logs?after=-1`);
    await invalid('GET', `/jobs/${running}/logs?limit=5001`);
    await invalid('GET', '/events?after=-1');
  });

  it('refuses bad log batches', async () => {
    for (const entries of [
      [],
      [{ stream: 'STDOUT', text: 'x' }],
      [{ stream: 'stdout' }],
      [{ stream: 'stdout', text: 1 }],
      'x',
    ]) {
      await invalid('POST', `/jobs/${running}/logs`, { lease_token: lease, entries });
    }
    const tooMany = Array.from({ length: 1001 }, () => ({ stream: 'stdout', text: '' }));
    await invalid('POST', `/jobs/${running}/logs`, { lease_token: lease, entries: tooMany });
  });

  it('answers 404 not_found to unknown routes and methods, and to unknown job ids', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/'],
      ['POST', '/jobs/x/y/z'],
      ['PUT', '/jobs'],
      ['PATCH', `/jobs/${pending}`],
      ['GET', '/jobs/claim/now'],
    ] as const) {
      await refuse(method, path, undefined, 404, 'not_found');
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    await refuse('GET', `/jobs/${unknown}`, undefined, 404, 'not_found');
    await refuse('POST', `/jobs/${unknown}/cancel`, undefined, 404, 'not_found');
    await refuse('GET', `/jobs/${unknown}/logs`, undefined, 404, 'not_found');
  });
});
