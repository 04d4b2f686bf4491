/**
 * Sends a running job's log lines to the orchestrator in batches: one request per flush, never one
 * per line. A flush happens when enough has piled up or shortly after the first unsent line; only one
 * request is in flight at a time, so entries arrive in order.
 */
import { BatonApiError } from '../client/errors.ts';
import { clip } from './clip.ts';

export interface LogLine {
  stream: string;
  text: string;
}

export interface LogSender {
  appendLogs(id: string, entries: LogLine[], leaseToken?: string): Promise<unknown>;
}

export interface LogBatcherOptions {
  sender: LogSender;
  jobId: string;
  leaseToken: string;
  /** Called once when the orchestrator refuses the token: the lease is gone. */
  onLeaseLost?: () => void;
  /** Called when a batch could not be sent for another reason (it is kept and sent later). */
  onSendError?: (error: unknown) => void;
  /** How long the first unsent line waits for company before it is sent (default 250 ms). */
  flushAfterMs?: number;
}

/** Within the API's limits (1000 entries per request, 1 MiB per text). */
const MAX_ENTRIES_PER_REQUEST = 1000;
const MAX_TEXT_CHARS = 256 * 1024;
/** A batch is sent at once when it reaches this many lines or characters. */
const FLUSH_ENTRIES = 500;
const FLUSH_CHARS = 256 * 1024;
/** Beyond this many unsent lines the oldest are dropped: an unreachable orchestrator must not exhaust memory. */
const MAX_BUFFERED = 20_000;

export class LogBatcher {
  readonly #options: LogBatcherOptions & { flushAfterMs: number };
  #buffer: LogLine[] = [];
  #bufferedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #dropped = 0;
  #leaseLost = false;
  #lastSendFailed = false;
  #closed = false;

  constructor(options: LogBatcherOptions) {
    this.#options = { flushAfterMs: 250, ...options };
  }

  get leaseLost(): boolean {
    return this.#leaseLost;
  }

  add(entries: readonly LogLine[]): void {
    if (this.#leaseLost || this.#closed) return;
    for (const entry of entries) {
      const text = clip(entry.text, MAX_TEXT_CHARS);
      this.#buffer.push({ stream: entry.stream, text });
      this.#bufferedBytes += text.length;
    }
    const overflow = this.#buffer.length - MAX_BUFFERED;
    if (overflow > 0) {
      for (const dropped of this.#buffer.splice(0, overflow)) this.#bufferedBytes -= dropped.text.length;
      this.#dropped += overflow;
    }
    if (this.#buffer.length >= FLUSH_ENTRIES || this.#bufferedBytes >= FLUSH_CHARS) {
      this.#kick();
    } else if (!this.#timer && this.#buffer.length > 0) {
      this.#timer = setTimeout(() => this.#kick(), this.#options.flushAfterMs);
    }
  }

  /** Sends everything buffered so far and waits until it is sent (or refused). */
  async flush(): Promise<void> {
    while (this.#buffer.length > 0 && !this.#leaseLost) {
      this.#kick();
      await this.#inFlight;
      if (this.#buffer.length > 0 && this.#lastSendFailed) return;
    }
    await this.#inFlight;
  }

  /**
   * Stops accepting lines and sends what is left. While the orchestrator cannot be reached, it keeps
   * trying for up to `patienceMs` (with growing pauses), so a run's last lines survive a restart.
   */
  async close(patienceMs = 0): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + patienceMs;
    for (let pause = 250; ; pause = Math.min(pause * 2, 5_000)) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.flush();
      if (this.#buffer.length === 0 || this.#leaseLost || Date.now() + pause > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight || this.#buffer.length === 0 || this.#leaseLost) return;
    this.#inFlight = this.#sendOne().finally(() => {
      this.#inFlight = undefined;
      if (this.#buffer.length > 0 && !this.#leaseLost && !this.#lastSendFailed) this.#kick();
      else if (this.#buffer.length > 0 && !this.#leaseLost && !this.#timer && !this.#closed) {
        // The last send failed: try again after a pause rather than in a tight loop.
        this.#timer = setTimeout(() => this.#kick(), this.#options.flushAfterMs * 4);
      }
    });
  }

  async #sendOne(): Promise<void> {
    const batch: LogLine[] = [];
    let bytes = 0;
    if (this.#dropped > 0) {
      batch.push({
        stream: 'baton',
        text: `[${this.#dropped} log lines dropped: the orchestrator was unreachable]`,
      });
    }
    while (
      this.#buffer.length > 0 &&
      batch.length < MAX_ENTRIES_PER_REQUEST &&
      (batch.length === 0 || bytes + (this.#buffer[0]?.text.length ?? 0) <= FLUSH_CHARS)
    ) {
      const entry = this.#buffer.shift() as LogLine;
      bytes += entry.text.length;
      batch.push(entry);
    }
    this.#bufferedBytes -= bytes;
    try {
      await this.#options.sender.appendLogs(this.#options.jobId, batch, this.#options.leaseToken);
      this.#dropped = 0;
      this.#lastSendFailed = false;
    } catch (error) {
      if (error instanceof BatonApiError && (error.code === 'stale_lease' || error.code === 'not_found')) {
        this.#leaseLost = true;
        this.#buffer = [];
        this.#bufferedBytes = 0;
        this.#options.onLeaseLost?.();
        return;
      }
      // Put the batch back in front (minus the dropped-lines note) and try again later.
      const kept = this.#dropped > 0 ? batch.slice(1) : batch;
      this.#buffer.unshift(...kept);
      this.#bufferedBytes += bytes;
      this.#lastSendFailed = true;
      this.#options.onSendError?.(error);
    }
  }
}
