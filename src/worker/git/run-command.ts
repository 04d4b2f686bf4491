/**
 * Runs a command from an argv array (never a shell) in a folder, streaming its output to a log
 * sink as lines, one batch per chunk read. The command gets its own process group, so stopping it
 * (on abort) also stops whatever it started: SIGTERM to the group, then SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { capText } from '../clip.ts';
import { LineSplitter } from '../process/line-splitter.ts';
import { stopGroup } from '../process/process-group.ts';

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
    const out = lines(child.stdout, options.streams.out, onLog);
    const err = lines(child.stderr, options.streams.err, onLog);

    let drainTimer: NodeJS.Timeout | undefined;
    // The whole group: whatever the command started (a server, a watcher) goes with it.
    const stopAll = () => {
      if (child.pid !== undefined) stopGroup(child.pid, options.graceMs ?? 5_000).catch(() => {});
    };
    signal?.addEventListener('abort', stopAll, { once: true });

    let settled = false;
    const finish = (exitCode: number | null, spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(drainTimer);
      signal?.removeEventListener('abort', stopAll);
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
      // Nothing a setup or test command started outlives it.
      stopAll();
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, null);
      }, PIPE_DRAIN_MS);
    });
  });
}

/** Complete lines of a child's output stream, capped, sent to the sink one batch per chunk. */
function lines(stream: NodeJS.ReadableStream, name: string, onLog: LogSink): { end: () => void } {
  const splitter = new LineSplitter();
  const emit = (texts: string[]) => {
    if (texts.length > 0) onLog(texts.map((text) => ({ stream: name, text: capText(text) })));
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => emit(splitter.push(chunk)));
  return { end: () => emit(splitter.end()) };
}
