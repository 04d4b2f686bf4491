/**
 * The processes and files of one torture run: the `baton server` child (restartable on the same
 * database file; its URL is published in a file the workers re-read), the worker children, and the
 * workers' journals, read as they grow to know who holds which job. Nothing here decides anything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type BatonProcess, startBaton } from '../../baton-process.ts';
import { deriveSeed, type Rng } from './faults.ts';
import { type JournalEntry, unanswered } from './records.ts';
import type { WorkerConfig } from './worker.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface ClusterOptions {
  seed: number;
  leaseMs: number;
  lanes: number;
}

export interface WorkerHandle {
  id: string;
  child: ChildProcess;
  paused: boolean;
  killed: boolean;
}

/** Everything one run owns, so `killEverything` can always clean up. */
export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'baton-torture-'));
  readonly dbPath = join(this.dir, 'baton.db');
  readonly urlFile = join(this.dir, 'url');
  readonly workers: WorkerHandle[] = [];
  readonly held = new Map<string, Map<string, number>>();
  readonly #offsets = new Map<string, { offset: number; rest: string }>();
  readonly #resumes = new Set<NodeJS.Timeout>();
  server: BatonProcess | undefined;
  url = '';
  readyAt = 0;
  #workerCount = 0;

  constructor(readonly options: ClusterOptions) {}

  async startServer(): Promise<void> {
    const { leaseMs } = this.options;
    const args = ['server', '--port', '0', '--db', this.dbPath, '--lease-ms', String(leaseMs)];
    this.server = await startBaton(args);
    this.url = this.server.url;
    this.readyAt = Date.now();
    // Written whole and renamed into place: a worker never reads half a URL.
    writeFileSync(`${this.urlFile}.tmp`, this.url);
    renameSync(`${this.urlFile}.tmp`, this.urlFile);
  }

  async stopServer(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = this.server?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  spawnWorker(): WorkerHandle {
    const n = this.#workerCount++;
    const id = `w${n}`;
    const config: WorkerConfig = {
      id,
      seed: deriveSeed(this.options.seed, n),
      urlFile: this.urlFile,
      journal: join(this.dir, `journal-${id}.jsonl`),
      leaseMs: this.options.leaseMs,
      lanes: this.options.lanes,
      duplicateChance: 0.025,
      lateChance: 0.005,
    };
    const log = openSync(join(this.dir, `worker-${id}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_FILE, JSON.stringify(config)], {
      cwd: REPO_ROOT,
      // The IPC channel carries nothing; it closes when the harness dies, and the worker stops then.
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    const handle = { id, child, paused: false, killed: false };
    this.workers.push(handle);
    return handle;
  }

  live(): WorkerHandle[] {
    return this.workers.filter((w) => !w.killed && w.child.exitCode === null && w.child.signalCode === null);
  }

  /** A live, running worker, preferably one that holds a lease right now (so the fault lands mid-job). */
  target(rng: Rng): WorkerHandle | undefined {
    const candidates = this.live().filter((w) => !w.paused);
    const busy = candidates.filter((w) => (this.held.get(w.id)?.size ?? 0) > 0);
    return busy.length > 0 ? rng.pick(busy) : candidates.length > 0 ? rng.pick(candidates) : undefined;
  }

  pause(worker: WorkerHandle, ms: number): void {
    worker.paused = true;
    worker.child.kill('SIGSTOP');
    const timer = setTimeout(() => this.resume(worker, timer), ms);
    this.#resumes.add(timer);
  }

  resume(worker: WorkerHandle, timer: NodeJS.Timeout): void {
    this.#resumes.delete(timer);
    worker.paused = false;
    worker.child.kill('SIGCONT');
  }

  /** Reads what the journals gained since the last call, to know which worker holds which job. */
  readJournals(): void {
    for (const name of readdirSync(this.dir).filter((f) => f.startsWith('journal-'))) {
      const state = this.#offsets.get(name) ?? { offset: 0, rest: '' };
      this.#offsets.set(name, state);
      const fd = openSync(join(this.dir, name), 'r');
      try {
        const size = fstatSync(fd).size;
        if (size <= state.offset) continue;
        const chunk = Buffer.alloc(size - state.offset);
        readSync(fd, chunk, 0, chunk.length, state.offset);
        state.offset = size;
        // Split on bytes read so far; a line still being written waits for the next call.
        const lines = (state.rest + chunk.toString('utf8')).split('\n');
        state.rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.#track(JSON.parse(line) as JournalEntry);
      } finally {
        closeSync(fd);
      }
    }
  }

  #track(entry: JournalEntry): void {
    const held = this.held.get(entry.worker) ?? new Map<string, number>();
    this.held.set(entry.worker, held);
    if (entry.kind === 'claim') held.set(entry.job_id, entry.attempt);
    else if (entry.http === 409 || (entry.kind !== 'heartbeat' && !unanswered(entry)))
      held.delete(entry.job_id);
  }

  allJournalEntries(): JournalEntry[] {
    return readdirSync(this.dir)
      .filter((f) => f.startsWith('journal-'))
      .flatMap((f) => readFileSync(join(this.dir, f), 'utf8').split('\n'))
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as JournalEntry];
        } catch {
          return []; // The last line of a SIGKILLed worker may be cut short.
        }
      });
  }

  /** Resumes paused workers, asks every worker to stop, and waits (SIGKILL after a grace period). */
  async stopWorkers(): Promise<void> {
    for (const timer of this.#resumes) clearTimeout(timer);
    this.#resumes.clear();
    await Promise.all(
      this.live().map(async (worker) => {
        const exited = once(worker.child, 'exit');
        worker.child.kill('SIGCONT');
        worker.child.kill('SIGTERM');
        const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Last resort on any failure: no process outlives the run. */
  killEverything(): void {
    const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
    for (const worker of this.workers) if (running(worker.child)) worker.child.kill('SIGKILL');
    if (this.server && running(this.server.child)) this.server.child.kill('SIGKILL');
  }

  /** One HTTP call to the orchestrator, retried across connection errors and restarts until `deadline`. */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const response = await fetch(`${this.url}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        const type = response.headers.get('content-type') ?? '';
        return { status: response.status, body: type.includes('json') && text ? JSON.parse(text) : text };
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }
}
