/**
 * Starting, measuring and stopping the servers under test, each as its own child process. CPU time
 * is read from the kernel (`/proc/<pid>/stat`, utime + stime over all threads), so neither server
 * has to report on itself. Every child started here is killed when this process exits, however it
 * exits.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

function clockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

export const CLK_TCK = clockTicks();

/** CPU seconds (user + system) a process has used so far, all of its threads included. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/**
 * CPU seconds the whole machine has been busy so far (all cores; user, nice, system, irq, softirq
 * and steal). Less what the server and the load client used, it shows what else ran meanwhile.
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLK_TCK;
}

const live = new Set<ChildProcess>();
/** Set by stopAll: children exiting after that are expected to. */
let shuttingDown = false;

/** Last resort: whatever is still running when this process exits is killed with it. */
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Arguments to `node`, script included. */
  args: string[];
  /** How the ready line names the URL; its first group is the URL. */
  ready: RegExp;
  timeoutMs?: number;
}

/** Environment for the children: ours, minus anything that would reconfigure Baton. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('BATON_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return env;
}

export function startServer(options: SpawnOptions): Promise<RunningServer> {
  const child = spawn(process.execPath, options.args, {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));

  let stopping = false;
  child.once('exit', (code, signal) => {
    // A server that dies under load says why here; the benchmark then fails on its next request.
    if (!stopping && !shuttingDown) {
      process.stderr.write(
        `[bench] ${options.name} (pid ${child.pid}) exited with ${signal ?? code}; its last output:\n` +
          `${output.slice(-4000)}\n`,
      );
    }
  });

  return new Promise<RunningServer>((resolve, reject) => {
    let ready = false;
    const fail = (why: string) => {
      if (ready) return;
      ready = true;
      stopping = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start: ${why}\n--- its output ---\n${output.slice(-4000)}`));
    };
    const timer = setTimeout(() => fail('timed out'), options.timeoutMs ?? 30_000);
    // Both streams are drained for the child's whole life: a full pipe would block its writes.
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-16_000);
      if (ready) return;
      const match = options.ready.exec(output);
      if (!match?.[1] || child.pid === undefined) return;
      ready = true;
      clearTimeout(timer);
      const pid = child.pid;
      resolve({
        name: options.name,
        url: match[1],
        pid,
        cpuSeconds: () => processCpuSeconds(pid),
        async stop(graceMs = 10_000) {
          if (child.exitCode !== null || child.signalCode !== null) return;
          stopping = true;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? code}`));
  });
}

/** `baton server` on a free port and the given database file. */
export function startBaton(dbPath: string, nodeFlags: string[] = []): Promise<RunningServer> {
  return startServer({
    name: 'Baton',
    args: [...nodeFlags, 'bin/baton.js', 'server', '--host', '127.0.0.1', '--port', '0', '--db', dbPath],
    ready: /listening on (http:\/\/\S+)/,
  });
}

/** The in-memory yardstick on a free port, started through tsx like Baton. */
export function startYardstick(nodeFlags: string[] = []): Promise<RunningServer> {
  return startServer({
    name: 'yardstick',
    args: [...nodeFlags, '--import', 'tsx', 'bench/yardstick-server.ts', '--port', '0'],
    ready: /listening on (http:\/\/\S+)/,
  });
}

/** Stops every server still running (for the `finally` of the benchmark). */
export async function stopAll(): Promise<void> {
  shuttingDown = true;
  for (const child of [...live]) {
    child.kill('SIGTERM');
  }
  const deadline = Date.now() + 5_000;
  while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const child of live) child.kill('SIGKILL');
}
