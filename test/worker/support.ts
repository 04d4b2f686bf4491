/**
 * End-to-end fixtures for the worker: a real orchestrator on a temp SQLite file (real clock, real
 * reaper), real git repositories (a source and its bare "origin"), real workers running the fake
 * agents in test/fixtures/agents.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatonClient } from '../../src/client/client.ts';
import type { CreateJobInput, JobSpec, JobView } from '../../src/client/types.ts';
import { loadServerConfig } from '../../src/config.ts';
import { type RunningOrchestrator, startOrchestrator } from '../../src/main.ts';
import { createWorker } from '../../src/worker/start-worker.ts';
import type { Worker } from '../../src/worker/worker.ts';
import { loadWorkerConfig } from '../../src/worker/worker-config.ts';
import { GIT_ENV, tempDir, waitFor } from '../helpers.ts';
import { FAKE_CLAUDE, FAKE_CODEX, FAKE_COMMAND } from './agents/support.ts';

export { GIT_ENV, waitFor } from '../helpers.ts';
export { FAKE_CLAUDE, FAKE_CODEX, FAKE_COMMAND } from './agents/support.ts';

export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();

/** A source repository with one commit on `main`, and a bare clone of it that jobs use as origin. */
export function makeOrigin(root: string): { source: string; origin: string } {
  const source = join(root, 'source');
  mkdirSync(source, { recursive: true });
  git(source, 'init', '-q', '-b', 'main');
  writeFileSync(join(source, 'README.md'), '# Demo\n\nA project for Baton tests.\n');
  writeFileSync(join(source, 'app.js'), 'export const answer = 42;\n');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', 'Initial commit');
  const origin = join(root, 'origin.git');
  git(root, 'clone', '-q', '--bare', source, origin);
  return { source, origin };
}

/** Branch names in the bare origin. */
export const originBranches = (origin: string): string[] =>
  git(origin, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean);

export const waitForStatus = (client: BatonClient, id: string, statuses: string[], timeoutMs = 30_000) =>
  waitFor(
    `job ${id} to be ${statuses.join(' or ')}`,
    async () => {
      const job = await client.getJob(id);
      return statuses.includes(job.status) ? job : undefined;
    },
    timeoutMs,
  );

export interface Baton {
  dir: string;
  origin: string;
  source: string;
  url: string;
  client: BatonClient;
  orchestrator: RunningOrchestrator;
  /** Environment for worker processes and in-process workers (fake agent state and record). */
  agentRecord: string;
  startWorker(flags?: Record<string, string>): Worker;
  /** Stops the orchestrator, waits `downMs`, and starts it again on the same port and database. */
  restartOrchestrator(downMs: number): Promise<void>;
  /** Submits a job on the origin repository; `spec` adds to the prompt's spec_json. */
  submit(prompt: string, fields?: Partial<CreateJobInput>, spec?: Partial<JobSpec>): Promise<JobView>;
  close(): Promise<void>;
}

/** An orchestrator (real clock, leases of `leaseMs`) plus a repository to run jobs on. */
export async function startBaton(options: { leaseMs?: number } = {}): Promise<Baton> {
  const tmp = tempDir('baton-e2e-');
  const { source, origin } = makeOrigin(tmp.path);
  const serverConfig = (port: string) =>
    loadServerConfig(
      ['--port', port, '--db', join(tmp.path, 'baton.db'), '--lease-ms', String(options.leaseMs ?? 60_000)],
      {},
    );
  let orchestrator = await startOrchestrator(serverConfig('0'));
  const client = new BatonClient({ url: orchestrator.url });
  const agentRecord = join(tmp.path, 'agent-record.jsonl');
  // In-process workers start agents with this process's environment; put it back on close.
  const saved = { record: process.env.FAKE_AGENT_RECORD, state: process.env.FAKE_AGENT_STATE };
  process.env.FAKE_AGENT_RECORD = agentRecord;
  process.env.FAKE_AGENT_STATE = join(tmp.path, 'agent-state');
  const workers: Worker[] = [];
  let n = 0;
  return {
    dir: tmp.path,
    origin,
    source,
    url: orchestrator.url,
    client,
    get orchestrator() {
      return orchestrator;
    },
    agentRecord,
    async restartOrchestrator(downMs) {
      await orchestrator.close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      orchestrator = await startOrchestrator(serverConfig(new URL(orchestrator.url).port));
    },
    startWorker(flags = {}) {
      n++;
      const config = loadWorkerConfig(
        {
          url: orchestrator.url,
          worktrees: join(tmp.path, `worktrees-${n}`),
          id: `test-worker-${n}`,
          concurrency: '2',
          'codex-path': FAKE_CODEX,
          'claude-path': FAKE_CLAUDE,
          'agent-command': JSON.stringify([process.execPath, FAKE_COMMAND, '--message', '{prompt}']),
          'git-name': 'Baton Worker',
          'git-email': 'worker@baton.invalid',
          ...flags,
        },
        {},
      );
      const worker = createWorker(config, () => {}, { pollWaitMs: 2_000 });
      worker.start();
      workers.push(worker);
      return worker;
    },
    submit(prompt, fields = {}, spec = {}) {
      return client.createJob({ repo_url: origin, ...fields, spec_json: { prompt, ...spec } });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop(0)));
      await orchestrator.close();
      tmp.remove();
      for (const [key, value] of [
        ['FAKE_AGENT_RECORD', saved.record],
        ['FAKE_AGENT_STATE', saved.state],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}
