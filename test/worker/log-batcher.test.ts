/** The log batcher against a real server: lines arrive in order, in few requests, with the lease token. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatonClient } from '../../src/client/client.ts';
import { LogBatcher, type LogLine } from '../../src/worker/log-batcher.ts';
import { newJob, startServer } from '../helpers.ts';

/** The real client, counting the requests it sends. */
function countingClient(url: string) {
  const client = new BatonClient({ url });
  let requests = 0;
  return {
    client,
    requests: () => requests,
    appendLogs(id: string, entries: LogLine[], token?: string) {
      requests++;
      return client.appendLogs(id, entries, token);
    },
  };
}

describe('the log batcher', () => {
  it('sends a burst of lines in a few requests, in order, and nothing is lost', async () => {
    const server = await startServer();
    try {
      const created = await server.api('POST', '/jobs', newJob());
      const claimed = await server.api('POST', '/jobs/claim');
      const sender = countingClient(server.url);
      const batcher = new LogBatcher({
        sender,
        jobId: created.body.id,
        leaseToken: claimed.body.lease_token,
      });
      for (let i = 0; i < 2_000; i++) batcher.add([{ stream: 'agent', text: `line ${i}` }]);
      await batcher.close();
      const logs = await sender.client.readLogs(created.body.id, { limit: 5000 });
      assert.deepEqual(
        logs.entries.map((entry) => entry.text),
        Array.from({ length: 2_000 }, (_, i) => `line ${i}`),
      );
      assert.ok(sender.requests() <= 10, `2000 lines took ${sender.requests()} requests`);
    } finally {
      await server.cleanup();
    }
  });

  it('reports a lost lease once and drops what it could not send', async () => {
    const server = await startServer();
    try {
      const created = await server.api('POST', '/jobs', newJob());
      const claimed = await server.api('POST', '/jobs/claim');
      await server.api('POST', `/jobs/${created.body.id}/release`, { lease_token: claimed.body.lease_token });
      let lost = 0;
      const batcher = new LogBatcher({
        sender: new BatonClient({ url: server.url }),
        jobId: created.body.id,
        leaseToken: claimed.body.lease_token,
        onLeaseLost: () => lost++,
      });
      batcher.add([{ stream: 'agent', text: 'too late' }]);
      await batcher.close();
      assert.equal(lost, 1);
      assert.equal(batcher.leaseLost, true);
      const logs = await server.api('GET', `/jobs/${created.body.id}/logs`);
      assert.deepEqual(logs.body.entries, []);
    } finally {
      await server.cleanup();
    }
  });

  it('keeps lines while the orchestrator is unreachable and sends them once it is back', async () => {
    const server = await startServer();
    try {
      const created = await server.api('POST', '/jobs', newJob());
      const claimed = await server.api('POST', '/jobs/claim');
      const real = new BatonClient({ url: server.url });
      let down = true;
      const errors: unknown[] = [];
      const batcher = new LogBatcher({
        sender: {
          appendLogs: (id, entries, token) =>
            down
              ? new BatonClient({ url: 'http://127.0.0.1:9' }).appendLogs(id, entries, token)
              : real.appendLogs(id, entries, token),
        },
        jobId: created.body.id,
        leaseToken: claimed.body.lease_token,
        flushAfterMs: 20,
        onSendError: (error) => errors.push(error),
      });
      batcher.add([{ stream: 'agent', text: 'kept' }]);
      await batcher.flush();
      assert.ok(errors.length >= 1, 'the failed send was reported');
      down = false;
      await batcher.close();
      const logs = await real.readLogs(created.body.id);
      assert.deepEqual(
        logs.entries.map((entry) => entry.text),
        ['kept'],
      );
    } finally {
      await server.cleanup();
    }
  });
});
