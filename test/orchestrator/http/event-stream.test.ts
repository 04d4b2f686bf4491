import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ServerFixture, startServer } from '../../helpers.ts';
import { claimExpecting, createJob, readEvents, type SseMessage, sleep } from './support.ts';

let server: ServerFixture;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.cleanup();
});

/** Every event id in the stored history of the given jobs, oldest first: what the stream must carry. */
const historyIds = async (jobIds: string[]): Promise<number[]> => {
  const ids: number[] = [];
  for (const id of jobIds) {
    const response = await server.api('GET', `/jobs/${id}/events`);
    ids.push(...response.body.events.map((event: { seq: number }) => event.seq));
  }
  return ids.sort((a, b) => a - b);
};

/** Creates, claims and completes jobs: three events per job. */
const activity = async (count: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const job = await createJob(server);
    const lease = await claimExpecting(server, job.id);
    await server.api('POST', `/jobs/${job.id}/complete`, { status: 'done', lease_token: lease.lease_token });
    ids.push(job.id);
  }
  return ids;
};

const atLeast = (n: number) => (messages: SseMessage[]) => messages.length >= n;
const ids = (messages: SseMessage[]) => messages.map((m) => m.id);

describe('the event stream (GET /events)', () => {
  it('replays the history as job events whose ids are the history sequence numbers', async () => {
    const jobs = await activity(2);
    const expected = await historyIds(jobs);
    assert.equal(expected.length, 6);
    const messages = await readEvents(`${server.url}/events`, atLeast(6));
    assert.deepEqual(ids(messages), expected);
    for (const message of messages) {
      assert.equal(message.event, 'job');
      assert.equal(message.data.seq, message.id);
      assert.ok(jobs.includes(message.data.job_id));
      assert.match(message.data.at, /^\d{4}-\d\d-\d\dT/);
    }
    assert.deepEqual(
      messages.slice(0, 3).map((m) => `${m.data.type}:${m.data.to_status}`),
      ['created:pending', 'claimed:running', 'completed:done'],
    );
  });

  it('delivers events that happen while the client is connected', async () => {
    const reading = readEvents(`${server.url}/events`, atLeast(3));
    await sleep(200);
    const jobs = await activity(1);
    const messages = await reading;
    assert.deepEqual(ids(messages), await historyIds(jobs));
  });

  it('resumes after Last-Event-ID on reconnect, with no duplicates and no gaps', async () => {
    const early = await activity(3);
    const firstPart = await readEvents(`${server.url}/events`, atLeast(4));
    const lastSeen = firstPart.at(3)!.id;
    const late = await activity(2); // happens while the client is away
    const total = (await historyIds([...early, ...late])).length;
    const secondPart = await readEvents(`${server.url}/events`, atLeast(total - 4), {
      headers: { 'last-event-id': String(lastSeen) },
    });
    assert.ok(
      secondPart.every((m) => m.id > lastSeen),
      'replayed an event the client had already seen',
    );
    assert.deepEqual(
      [...ids(firstPart.slice(0, 4)), ...ids(secondPart)],
      await historyIds([...early, ...late]),
    );
  });

  it('resumes after ?after= just as after Last-Event-ID', async () => {
    const jobs = await activity(3);
    const all = await historyIds(jobs);
    const cut = all[4]!;
    const rest = await readEvents(`${server.url}/events?after=${cut}`, atLeast(all.length - 5));
    assert.deepEqual(ids(rest), all.slice(5));
  });

  it('prefers Last-Event-ID over ?after= when both are given', async () => {
    const jobs = await activity(2);
    const all = await historyIds(jobs);
    const rest = await readEvents(`${server.url}/events?after=${all[0]}`, atLeast(all.length - 3), {
      headers: { 'last-event-id': String(all[2]) },
    });
    assert.deepEqual(ids(rest), all.slice(3));
  });

  it('sends nothing old when resuming from the latest id, then the next new event', async () => {
    const jobs = await activity(1);
    const latest = (await historyIds(jobs)).at(-1)!;
    const reading = readEvents(`${server.url}/events`, atLeast(1), {
      headers: { 'last-event-id': String(latest) },
    });
    await sleep(200);
    const next = await createJob(server);
    const messages = await reading;
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.data.job_id, next.id);
    assert.equal(messages[0]!.id, latest + 1);
  });

  it('refuses a Last-Event-ID that is not an event id with 400', async () => {
    for (const bad of ['abc', '-1', '1.5', '99999999999999999999']) {
      const response = await server.api('GET', '/events', undefined, { 'last-event-id': bad });
      assert.equal(response.status, 400, bad);
      assert.equal(response.body.code, 'validation_failed');
    }
    const response = await server.api('GET', '/events?after=x');
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'validation_failed');
  });
});
