/**
 * Runs a command from an argv array (never a shell) in a folder, streaming its output to a log
 * sink as lines, one batch per chunk read. The command gets its own process group, so stopping it
 * (on abort) also stops whatever it started: SIGTERM to the group, then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';

export interface LogEntry {
  stream: string;
  text: string;
}
export type LogSink = (entries: LogEntry[]) => void;

export interface CommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  onLog: LogSink;
  /** Stream names for the command's stdout and stderr (short lowercase names, such as `test-out`). */
  streams: { out: string; err: string };
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL when stopping. */
  graceMs?: number;
}

export interface CommandOutcome {
  /** null when the command was stopped by a signal or could not start. */
  exitCode: number | null;
  /** Why it could not start (such as a missing program), else null. */
  spawnError: string | null;
  durationMs: number;
}

/** A line longer than this is cut into pieces, so one runaway line cannot exhaust memory. */
const MAX_LINE_CHARS = 64 * 1024;
/** How long to wait for output pipes after the command exits (a background child may hold them). */
const PIPE_DRAIN_MS = 2_000;

/** Runs the command to its end. Rejects with the signal's reason when aborted (after stopping it). */
export function runCommand(command: readonly string[], options: CommandOptions): Promise<CommandOutcome> {
  const started = performance.now();
  const { signal, onLog } = options;
  return new Promise<CommandOutcome>((resolve, reject) => {
    const [program, ...args] = command;
    if (!program) return reject(new Error('empty command'));
    if (signal?.aborted) return reject(signal.reason);
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out = lineSplitter(options.streams.out, onLog);
    const err = lineSplitter(options.streams.err, onLog);
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);

    let drainTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      signalGroup(child.pid, 'SIGTERM');
      // Not cleared when the command ends: whatever it started may still be running after the grace.
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.graceMs ?? 5_000).unref();
    };
    signal?.addEventListener('abort', stop, { once: true });

    let settled = false;
    const finish = (exitCode: number | null, spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(drainTimer);
      signal?.removeEventListener('abort', stop);
      out.end();
      err.end();
      if (signal?.aborted) return reject(signal.reason);
      resolve({ exitCode, spawnError, durationMs: performance.now() - started });
    };
    child.on('error', (error) => finish(null, error.message));
    // 'close' (all output read) is the normal end; after 'exit', output pipes still held open by a
    // background child of the command get a short grace, then are dropped.
    child.on('close', (code) => finish(code, null));
    child.on('exit', (code) => {
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, null);
      }, PIPE_DRAIN_MS);
    });
  });
}

function signalGroup(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, name);
  } catch {
    // The group is already gone.
  }
}

/** Turns chunks into complete lines, sent to the sink one batch per chunk; `end` sends the rest. */
function lineSplitter(stream: string, onLog: LogSink): { push: (chunk: Buffer) => void; end: () => void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (texts: string[]) => {
    if (texts.length > 0) onLog(texts.map((text) => ({ stream, text })));
  };
  return {
    push(chunk) {
      const parts = (partial + decoder.write(chunk)).split('\n');
      partial = parts.pop() ?? '';
      const lines = parts.map((line) => line.replace(/\r$/, ''));
      while (partial.length > MAX_LINE_CHARS) {
        lines.push(partial.slice(0, MAX_LINE_CHARS));
        partial = partial.slice(MAX_LINE_CHARS);
      }
      emit(lines.flatMap((line) => chop(line)));
    },
    end() {
      const rest = partial + decoder.end();
      partial = '';
      if (rest.length > 0) emit(chop(rest));
    },
  };
}

function chop(line: string): string[] {
  if (line.length <= MAX_LINE_CHARS) return [line];
  const pieces: string[] = [];
  for (let i = 0; i < line.length; i += MAX_LINE_CHARS) pieces.push(line.slice(i, i + MAX_LINE_CHARS));
  return pieces;
}
