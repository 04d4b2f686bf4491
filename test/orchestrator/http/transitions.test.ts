/**
 * Every status against every endpoint, over real HTTP: the legal moves succeed, everything else is
 * refused with the documented code and changes nothing. The expectations are written out by hand
 * here, independently of the code under test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LEGAL, STATUSES, type Status } from '../../design-table.ts';
import { type ServerFixture, startServer } from '../../helpers.ts';

interface Subject {
  id: string;
  workerType: string;
  /** The token of the job's latest claim, when it had one. */
  token: string | undefined;
}

/** An outcome: HTTP status, then the error code or the job's resulting status. */
type Outcome = [number, string];

interface Action {
  name: string;
  run(server: ServerFixture, subject: Subject): Promise<{ status: number; body: any }>;
  expect: Record<Status, Outcome>;
}

const refused = (code: string): Outcome => [409, code];
const ok = (status: string): Outcome => [200, status];

const complete =
  (target: string, token: 'live' | 'none' | 'foreign'): Action['run'] =>
  (server, s) =>
    server.api('POST', `/jobs/${s.id}/complete`, {
      status: target,
      ...(token === 'live' ? { lease_token: s.token ?? randomUUID() } : {}),
      ...(token === 'foreign' ? { lease_token: randomUUID() } : {}),
    });

const ACTIONS: Action[] = [
  {
    name: 'claim',
    run: (server, s) => server.api('POST', `/jobs/claim?worker_type=${s.workerType}`),
    expect: {
      pending: ok('running'),
      running: [404, 'not_found'],
      awaiting_input: [404, 'not_found'],
      done: [404, 'not_found'],
      failed: [404, 'not_found'],
      cancelled: [404, 'not_found'],
    },
  },
  ...(['done', 'failed', 'awaiting_input', 'cancelled'] as const).map(
    (target): Action => ({
      name: `complete ${target} without a token`,
      run: complete(target, 'none'),
      expect: {
        pending: refused('invalid_transition'),
        running: ok(target),
        awaiting_input: target === 'awaiting_input' ? refused('invalid_transition') : ok(target),
        done: refused('invalid_transition'),
        failed: refused('invalid_transition'),
        cancelled: refused('invalid_transition'),
      },
    }),
  ),
  {
    name: 'complete done with the latest lease token',
    run: complete('done', 'live'),
    expect: {
      pending: refused('stale_lease'),
      running: ok('done'),
      awaiting_input: refused('conflict'),
      done: ok('done'),
      failed: refused('conflict'),
      cancelled: refused('stale_lease'),
    },
  },
  {
    name: 'complete done with a token that was never issued',
    run: complete('done', 'foreign'),
    expect: Object.fromEntries(STATUSES.map((s) => [s, refused('stale_lease')])) as Record<Status, Outcome>,
  },
  {
    name: 'heartbeat with the latest lease token',
    run: (server, s) =>
      server.api('POST', `/jobs/${s.id}/heartbeat`, { lease_token: s.token ?? randomUUID() }),
    expect: {
      pending: refused('stale_lease'),
      running: ok('running'),
      awaiting_input: refused('stale_lease'),
      done: refused('stale_lease'),
      failed: refused('stale_lease'),
      cancelled: refused('stale_lease'),
    },
  },
  {
    name: 'release with the latest lease token',
    run: (server, s) => server.api('POST', `/jobs/${s.id}/release`, { lease_token: s.token ?? randomUUID() }),
    expect: {
      pending: refused('stale_lease'),
      running: ok('pending'),
      awaiting_input: refused('stale_lease'),
      done: refused('stale_lease'),
      failed: refused('stale_lease'),
      cancelled: refused('stale_lease'),
    },
  },
  {
    name: 'cancel',
    run: (server, s) => server.api('POST', `/jobs/${s.id}/cancel`),
    expect: {
      pending: ok('cancelled'),
      running: ok('running'),
      awaiting_input: ok('cancelled'),
      done: refused('invalid_transition'),
      failed: refused('invalid_transition'),
      cancelled: ok('cancelled'),
    },
  },
  {
    name: 'continue',
    run: (server, s) => server.api('POST', `/jobs/${s.id}/continue`, { prompt: 'And now the docs' }),
    expect: {
      pending: refused('invalid_transition'),
      running: refused('invalid_transition'),
      awaiting_input: ok('pending'),
      done: ok('pending'),
      failed: ok('pending'),
      cancelled: refused('invalid_transition'),
    },
  },
  {
    name: 'retry',
    run: (server, s) => server.api('POST', `/jobs/${s.id}/retry`),
    expect: {
      pending: refused('invalid_transition'),
      running: refused('invalid_transition'),
      awaiting_input: refused('invalid_transition'),
      done: refused('invalid_transition'),
      failed: ok('pending'),
      cancelled: ok('pending'),
    },
  },
  {
    name: 'delete',
    run: (server, s) => server.api('DELETE', `/jobs/${s.id}`),
    expect: {
      pending: [204, 'deleted'],
      running: refused('conflict'),
      awaiting_input: refused('conflict'),
      done: [204, 'deleted'],
      failed: [204, 'deleted'],
      cancelled: [204, 'deleted'],
    },
  },
];

let counter = 0;

/** Brings a fresh job into `status` over HTTP, on a worker type of its own so claims find only it. */
async function subjectIn(server: ServerFixture, status: Status): Promise<Subject> {
  counter += 1;
  const workerType = `wt${counter}`;
  const created = await server.api('POST', '/jobs', {
    repo_url: '/srv/repos/app',
    spec_json: { prompt: `subject ${counter}` },
    worker_type: workerType,
  });
  assert.equal(created.status, 201);
  const subject: Subject = { id: created.body.id, workerType, token: undefined };
  if (status === 'pending') return subject;
  if (status === 'cancelled') {
    assert.equal((await server.api('POST', `/jobs/${subject.id}/cancel`)).status, 200);
    return subject;
  }
  const claimed = await server.api('POST', `/jobs/claim?worker_type=${workerType}&worker_id=w`);
  assert.equal(claimed.status, 200);
  subject.token = claimed.body.lease_token;
  if (status !== 'running') {
    const completed = await server.api('POST', `/jobs/${subject.id}/complete`, {
      status,
      lease_token: subject.token,
    });
    assert.equal(completed.status, 200);
  }
  return subject;
}

describe('every endpoint against every status, over HTTP', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.cleanup());

  for (const action of ACTIONS) {
    for (const from of STATUSES) {
      const [expectedHttp, expectedResult] = action.expect[from];
      it(`${action.name} on a ${from} job answers ${expectedHttp} ${expectedResult}`, async () => {
        const subject = await subjectIn(server, from);
        const before = await server.api('GET', `/jobs/${subject.id}`);
        const answer = await action.run(server, subject);
        assert.equal(answer.status, expectedHttp, JSON.stringify(answer.body));
        const afterwards = await server.api('GET', `/jobs/${subject.id}`);
        if (expectedHttp >= 400) {
          assert.equal(answer.body.code, expectedResult);
          assert.equal(typeof answer.body.error, 'string');
          assert.deepEqual(afterwards.body, before.body, 'a refused request changes nothing');
          return;
        }
        if (expectedHttp === 204) {
          assert.equal(afterwards.status, 404);
          return;
        }
        const now = afterwards.body.status;
        assert.equal(now, expectedResult);
        assert.ok(
          now === from || LEGAL.has(`${from}>${now}`),
          `${from} -> ${now} is not in the design's table`,
        );
        const events = (await server.api('GET', `/jobs/${subject.id}/events`)).body.events;
        for (const event of events) {
          if (event.from_status && event.to_status && event.from_status !== event.to_status) {
            assert.ok(
              LEGAL.has(`${event.from_status}>${event.to_status}`),
              `history holds ${event.from_status} -> ${event.to_status}`,
            );
          }
        }
      });
    }
  }

  it('names the current status and the refused target in a refused transition', async () => {
    const subject = await subjectIn(server, 'pending');
    const answer = await server.api('POST', `/jobs/${subject.id}/complete`, { status: 'done' });
    assert.equal(answer.status, 409);
    assert.deepEqual(
      {
        code: answer.body.code,
        job_id: answer.body.job_id,
        status: answer.body.status,
        target: answer.body.target,
      },
      { code: 'invalid_transition', job_id: subject.id, status: 'pending', target: 'done' },
    );
  });
});
