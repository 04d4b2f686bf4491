/**
 * Group commit. Writes that arrive in the same turn of the event loop (say, eight workers
 * completing at once) run one after another inside ONE IMMEDIATE transaction, each in its own
 * savepoint, and are acknowledged together after the single COMMIT. Each write still sees the ones
 * before it, exactly as if they had run alone in order; a write that throws rolls back only its own
 * savepoint. What is saved is the per-commit cost: the WAL frames of pages that several writes touch
 * (index leaves, the tail of the history) are written once, not once per write.
 *
 * Nothing is acknowledged before its commit, so durability is what it was without batching.
 */
import type Database from 'better-sqlite3';
import { BatonError } from '../../models/errors.ts';
import { translateSqliteError } from './sqlite-errors.ts';

const isDomainError = (error: unknown): boolean => error instanceof BatonError;

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Thrown out of a batch whose transaction SQLite has already rolled back. */
class BatchRolledBack extends Error {
  constructor(override readonly cause: unknown) {
    super('the batch transaction was rolled back');
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  readonly #outer: Database.Transaction<(batch: Queued[]) => Outcome[]>;
  readonly #inner: Database.Transaction<(work: () => unknown) => unknown>;
  readonly #maxBatch: number;
  #queue: Queued[] = [];
  #scheduled = false;

  constructor(db: Database.Database, maxBatch = 64) {
    this.#maxBatch = maxBatch;
    // Called inside a transaction, a better-sqlite3 transaction function becomes a SAVEPOINT.
    this.#inner = db.transaction((work: () => unknown) => work());
    this.#outer = db.transaction((batch: Queued[]) => {
      const outcomes: Outcome[] = [];
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: this.#inner(item.work) });
        } catch (error) {
          // Some failures (disk full, I/O error) make SQLite roll back the whole transaction, not
          // just the savepoint. Then nothing of this batch happened, and nothing more may run in it.
          if (!db.inTransaction) throw new BatchRolledBack(error);
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  /** Queues `work` for the next commit; resolves with its result once that commit is durable. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the I/O callbacks of this turn: every request parsed in it joins the batch.
        setImmediate(() => this.#flush());
      }
    });
  }

  #alone(item: Queued): Outcome {
    try {
      return { ok: true, value: this.#inner.immediate(item.work) };
    } catch (error) {
      if (isDomainError(error)) return { ok: false, error };
      throw error;
    }
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      let outcomes: Outcome[];
      try {
        // A lone write needs no savepoint: if it throws, its whole transaction rolls back.
        outcomes = batch.length === 1 ? [this.#alone(batch[0] as Queued)] : this.#outer.immediate(batch);
      } catch (error) {
        // BEGIN or COMMIT failed, or SQLite rolled the whole transaction back: nothing in the
        // batch happened, and every write in it is answered with the cause.
        const reason = translateSqliteError(error instanceof BatchRolledBack ? error.cause : error);
        for (const item of batch) item.reject(reason);
        continue;
      }
      batch.forEach((item, index) => {
        const outcome = outcomes[index] as Outcome;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(translateSqliteError(outcome.error));
      });
    }
  }
}
