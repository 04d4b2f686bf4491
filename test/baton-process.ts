/** A real `baton` command as a child process, for tests of the process itself. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BATON_BIN = fileURLToPath(new URL('../bin/baton.js', import.meta.url));

export interface BatonProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `baton <args>` and waits until it prints the URL it listens on. */
/** Where and as whom the child runs (a test of file permissions runs it as another user). */
export interface SpawnPlace {
  cwd?: string;
  uid?: number;
  gid?: number;
}

export async function startBaton(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  place: SpawnPlace = {},
): Promise<BatonProcess> {
  const run = runBaton(args, env, place);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton did not start: ${run.stderr()}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(run.stdout());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    run.child.stdout!.on('data', check);
    run.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baton exited with ${code} before listening: ${run.stderr()}`));
    });
  });
  return { ...run, url };
}

/** Starts `baton <args>` without waiting for anything. The environment holds no BATON_* values. */
export function runBaton(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  place: SpawnPlace = {},
): Omit<BatonProcess, 'url'> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BATON_')));
  const child = spawn(process.execPath, [BATON_BIN, ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...place,
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  return { child, stdout: () => out, stderr: () => err };
}

/** Waits for a child to exit; kills it (and fails) if it takes longer than `timeoutMs`. */
export async function exitCode(child: ChildProcess, timeoutMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code] = await once(child, 'exit');
    return code as number | null;
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILLs every child still running and waits for each: the clean-up after a test of processes. */
export async function killAll(children: readonly { child: ChildProcess }[]): Promise<void> {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exitCode(child);
    }
  }
}
