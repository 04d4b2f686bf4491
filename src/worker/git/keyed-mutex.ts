/**
 * An in-process async mutex per key. git takes lock files on a repository's index and refs, so two
 * operations on one repository (or two jobs on one worktree) must take turns; waiters are served in
 * arrival order. The lock is not shared between processes: one worker process owns its worktrees.
 */
export class KeyedMutex {
  /** The tail of each key's queue: a promise that settles when the current last holder releases. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for the key, then answers a release function (safe to call more than once). */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let open!: () => void;
    const mine = new Promise<void>((resolve) => {
      open = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      open();
      // Forget the key once nobody queued behind us, so the map does not grow with every branch.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Runs `work` while holding the key. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await work();
    } finally {
      release();
    }
  }
}
