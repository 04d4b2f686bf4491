/**
 * One started agent process and everything that happens to it until its output has ended: output
 * split into lines and logged, stderr's tail kept, the stop on abort or timeout, and the clean-up of
 * its process group. `run-agent.ts` decides what the run's outcome is; this module only watches.
 */

import type { ChildProcess } from 'node:child_process';
import { capText } from '../clip.ts';
import { LineSplitter } from '../process/line-splitter.ts';
import { stopGroup } from '../process/process-group.ts';
import type { AgentAdapter, AgentExit, AgentLogEntry, AgentStreamReader, RunAgentOptions } from './agent.ts';

/** Stderr kept for the failure reason. */
export const STDERR_TAIL_CHARS = 65_536;
/** After the agent exited and its group was stopped, how long its output may stay open. */
const OUTPUT_DRAIN_MS = 5_000;

export interface ProcessEnd {
  exit: AgentExit;
  spawnError: NodeJS.ErrnoException | null;
}

type Watched = Pick<RunAgentOptions, 'onLog' | 'signal' | 'timeoutMs'>;

export class AgentProcess {
  readonly reader: AgentStreamReader;
  stopped: 'aborted' | 'timeout' | null = null;
  private exited = false;
  private stopping: Promise<void> | null = null;
  private stderrTail = '';
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly end: Promise<ProcessEnd>;

  constructor(
    private readonly child: ChildProcess,
    private readonly adapter: AgentAdapter,
    private readonly options: Watched,
    private readonly graceMs: number,
  ) {
    this.reader = adapter.createReader();
    this.readStdout();
    this.readStderr();
    const onAbort = () => this.stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      this.timers.push(setTimeout(() => this.stop('timeout'), options.timeoutMs));
    }
    child.once('exit', () => this.onExit());
    const release = () => {
      for (const timer of this.timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    this.end = new Promise<ProcessEnd>((resolve) => {
      // `on`, not `once`: an 'error' event with no listener would crash the worker.
      child.on('error', (error) => {
        // An error before a pid is a failed spawn (ENOENT, EACCES); 'close' may follow, or may not.
        if (child.pid !== undefined) return;
        release();
        resolve({ exit: this.exit(null, null), spawnError: error });
      });
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        release();
        // The group may still be stopping (SIGKILL pending): the run is over only when it is gone.
        void (this.stopping ?? Promise.resolve()).then(() =>
          resolve({ exit: this.exit(code, signal), spawnError: null }),
        );
      });
    });
  }

  ended(): Promise<ProcessEnd> {
    return this.end;
  }

  private stop(reason: 'aborted' | 'timeout'): void {
    if (this.exited || this.stopped) return;
    this.stopped = reason;
    this.log([{ stream: 'agent', text: `stopping ${this.adapter.name} (${reason})` }]);
    this.stopGroupOnce();
  }

  /** The agent is gone; whatever it left running in its group is stopped too, and its output must end. */
  private onExit(): void {
    this.exited = true;
    this.stopGroupOnce();
    this.timers.push(
      setTimeout(() => {
        // A process that left the group can hold our pipes open forever; stop reading them.
        this.child.stdout?.destroy();
        this.child.stderr?.destroy();
      }, this.graceMs + OUTPUT_DRAIN_MS),
    );
  }

  private stopGroupOnce(): void {
    const pid = this.child.pid;
    if (this.stopping || pid === undefined) return;
    this.stopping = stopGroup(pid, this.graceMs).catch(() => undefined);
  }

  private exit(code: number | null, signal: NodeJS.Signals | null): AgentExit {
    return { code, signal, stderrTail: this.stderrTail };
  }

  private readStdout(): void {
    const stdout = this.child.stdout;
    if (!stdout) return;
    const splitter = new LineSplitter();
    const take = (lines: string[]) => this.log(lines.flatMap((line) => this.stdoutEntries(line)));
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => take(splitter.push(chunk)));
    stdout.on('end', () => take(splitter.end()));
    stdout.on('error', () => undefined);
  }

  private stdoutEntries(line: string): AgentLogEntry[] {
    const entries: AgentLogEntry[] = [{ stream: 'stdout', text: capText(line) }];
    try {
      for (const text of this.reader.line(line)) entries.push({ stream: 'agent', text: capText(text) });
    } catch {
      // A reader bug on one odd line must not end the supervision; the raw line is logged anyway.
    }
    return entries;
  }

  private readStderr(): void {
    const stderr = this.child.stderr;
    if (!stderr) return;
    const splitter = new LineSplitter();
    const take = (lines: string[]) =>
      this.log(lines.map((line) => ({ stream: 'stderr', text: capText(line) })));
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      take(splitter.push(chunk));
    });
    stderr.on('end', () => take(splitter.end()));
    stderr.on('error', () => undefined);
  }

  private log(entries: AgentLogEntry[]): void {
    if (entries.length === 0) return;
    try {
      this.options.onLog(entries);
    } catch {
      // The caller's log sink failing must not leave an agent running unsupervised.
    }
  }
}
