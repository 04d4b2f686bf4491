/**
 * The fault injector of the torture run: a seeded PRNG, a fault plan drawn from it, and the loop
 * that fires the plan as the run progresses. Deciding is pure; doing (signals, restarts, HTTP) is
 * the harness's, behind the `FaultTargets` interface, so one seed always asks for the same faults.
 */

/** mulberry32: a tiny 32-bit PRNG, good enough to make a run repeatable from its seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  next(): number {
    return this.#next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.#next() * items.length)] as T;
  }
}

/** Derives an independent seed (for a worker, say) from the run's seed and a number. */
export const deriveSeed = (seed: number, n: number): number =>
  (Math.imul(seed ^ 0x9e3779b9, n + 1) ^ n) >>> 0;

export const FAULT_KINDS = [
  'kill_worker',
  'pause_worker',
  'duplicate_completion',
  'late_completion',
  'cancel',
  'restart_orchestrator',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultCounts = Record<FaultKind, number>;

export const zeroCounts = (): FaultCounts =>
  Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as FaultCounts;

/** A fault the harness fires once the share of terminal jobs reaches `at` (0..1). */
export type PlannedFault =
  | { at: number; kind: 'kill_worker' }
  | { at: number; kind: 'pause_worker' }
  | { at: number; kind: 'restart_orchestrator'; signal: 'SIGKILL' | 'SIGTERM' };

/**
 * The process faults of one run. Orchestrator restarts alternate SIGKILL and SIGTERM (which comes
 * first is from the seed), so every run crosses both a crash and a clean stop; worker kills and
 * pauses are spread over the load. `scale` (1 per 2000 jobs) multiplies them for longer runs. All
 * fire before 85% of the jobs are terminal, while there is work left to disturb.
 */
export function planFaults(rng: Rng, scale = 1): PlannedFault[] {
  const plan: PlannedFault[] = [];
  const signals = rng.chance(0.5) ? (['SIGKILL', 'SIGTERM'] as const) : (['SIGTERM', 'SIGKILL'] as const);
  const restarts = 2 * scale;
  for (let i = 0; i < restarts; i++) {
    // One restart in each slice of the load, so they never bunch up.
    const at = 0.1 + ((i + 0.2 + rng.next() * 0.6) / restarts) * 0.75;
    plan.push({ at, kind: 'restart_orchestrator', signal: signals[i % 2]! });
  }
  for (let i = rng.int(3, 5) * scale; i > 0; i--)
    plan.push({ at: 0.05 + rng.next() * 0.8, kind: 'kill_worker' });
  for (let i = rng.int(2, 4) * scale; i > 0; i--)
    plan.push({ at: 0.05 + rng.next() * 0.8, kind: 'pause_worker' });
  return plan.sort((a, b) => a.at - b.at);
}

/** What the injector acts on; implemented by the harness with real processes and HTTP. */
export interface FaultTargets {
  killWorker(rng: Rng): Promise<void>;
  pauseWorker(rng: Rng): Promise<void>;
  restartOrchestrator(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Cancels one unfinished job; false when there was none or the cancel was refused. */
  cancelJob(rng: Rng): Promise<boolean>;
}

/** How often a tick of the injector cancels a job. */
const CANCEL_CHANCE = 0.35;

/** Fires the plan as progress passes each point, and sprinkles cancels over the run. */
export class FaultInjector {
  readonly #rng: Rng;
  readonly #plan: PlannedFault[];
  readonly #targets: FaultTargets;
  readonly counts: FaultCounts = zeroCounts();

  constructor(seed: number, targets: FaultTargets, options: { scale?: number } = {}) {
    this.#rng = new Rng(seed);
    this.#plan = planFaults(this.#rng, options.scale);
    this.#targets = targets;
  }

  get remaining(): number {
    return this.#plan.length;
  }

  /** Called on every harness tick with the share of jobs that are terminal. One fault per tick. */
  async tick(progress: number): Promise<void> {
    const due = this.#plan[0];
    if (due && due.at <= progress) {
      this.#plan.shift();
      if (due.kind === 'restart_orchestrator') await this.#targets.restartOrchestrator(due.signal);
      else if (due.kind === 'kill_worker') await this.#targets.killWorker(this.#rng);
      else await this.#targets.pauseWorker(this.#rng);
      this.counts[due.kind] += 1;
    }
    if (progress < 0.95 && this.#rng.chance(CANCEL_CHANCE)) {
      if (await this.#targets.cancelJob(this.#rng)) this.counts.cancel += 1;
    }
  }
}
