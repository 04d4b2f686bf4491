// The HTTP load both phases share: the job body, bulk enqueue, and concurrent claim+complete drains.
import { createClient, expectStatus } from './http-client.ts';
import { SETTINGS } from './settings.ts';

export const newJob = (n: number) => ({
  repo_url: '/srv/repos/bench',
  spec_json: { prompt: `Benchmark job ${n}: make the tests pass` },
});

/** POSTs `count` jobs from `clients` concurrent callers. */
export async function enqueue(url: string, count: number, clients: number): Promise<void> {
  const client = createClient(SETTINGS.client, url, clients);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < count) {
          const n = next++;
          expectStatus(await client.post('/jobs', newJob(n)), 'POST /jobs', 201);
        }
      }),
    );
  } finally {
    client.close();
  }
}

/** `workers` concurrent claim+complete loops until a claim answers 404; returns the cycles done. */
export async function drain(url: string, workers: number): Promise<number> {
  const client = createClient(SETTINGS.client, url, workers);
  let cycles = 0;
  try {
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (;;) {
          const claimed = await client.post(`/jobs/claim?worker_id=bench-worker-${w}`);
          if (claimed.status === 404) return;
          expectStatus(claimed, 'POST /jobs/claim', 200);
          const job = JSON.parse(claimed.text) as { id: string; lease_token: string };
          const done = await client.post(`/jobs/${job.id}/complete`, {
            status: 'done',
            lease_token: job.lease_token,
          });
          expectStatus(done, 'POST /jobs/:id/complete', 200);
          cycles += 1;
        }
      }),
    );
  } finally {
    client.close();
  }
  return cycles;
}
