/** Races over real HTTP: many claimers on one queue, and conflicting completions of one job. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';

describe('concurrent workers', () => {
  let server: ServerFixture;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.cleanup());

  it('claims each job exactly once when many workers claim at the same time', async () => {
    const jobs = 150;
    const created = new Set<string>();
    for (let i = 0; i < jobs; i += 1) {
      const answer = await server.api('POST', '/jobs', {
        repo_url: '/srv/repos/app',
        branch_name: `race/${i}`,
        worker_type: 'race',
        spec_json: { prompt: `job ${i}` },
      });
      created.add(answer.body.id);
    }
    const claims: string[] = [];
    const worker = async (n: number) => {
      for (;;) {
        const answer = await server.api('POST', `/jobs/claim?worker_type=race&worker_id=w${n}`);
        if (answer.status === 404) return;
        assert.equal(answer.status, 200);
        claims.push(answer.body.id);
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => worker(n)));
    assert.equal(claims.length, jobs);
    assert.deepEqual(new Set(claims), created);
    const { body } = await server.api('GET', '/jobs?status=running&worker_type=race&limit=500');
    assert.equal(body.jobs.length, jobs);
    assert.ok(body.jobs.every((job: any) => job.attempt === 1));
  });

  it('lets exactly one of several conflicting completions win, every time', async () => {
    const targets = ['done', 'failed', 'awaiting_input', 'cancelled'];
    for (let round = 0; round < 25; round += 1) {
      await server.api('POST', '/jobs', {
        repo_url: '/srv/repos/app',
        worker_type: 'finish',
        spec_json: { prompt: `round ${round}` },
      });
      const claimed = await server.api('POST', '/jobs/claim?worker_type=finish');
      const id = claimed.body.id;
      const answers = await Promise.all(
        targets.map((status) =>
          server.api('POST', `/jobs/${id}/complete`, { status, lease_token: claimed.body.lease_token }),
        ),
      );
      const winners = answers.filter((a) => a.status === 200);
      assert.equal(winners.length, 1, `round ${round}: ${answers.map((a) => a.status).join(',')}`);
      assert.ok(
        answers.filter((a) => a.status !== 200).every((a) => a.status === 409 && a.body.code === 'conflict'),
      );
      const job = await server.api('GET', `/jobs/${id}`);
      assert.equal(job.body.status, winners[0]?.body.status);
      const completions = (await server.api('GET', `/jobs/${id}/events`)).body.events.filter(
        (e: any) => e.type === 'completed',
      );
      assert.equal(completions.length, 1);
    }
  });
});
