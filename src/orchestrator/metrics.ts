/**
 * Prometheus text exposition. Job counts and transition counts come from the store (durable, and in
 * step with the event history by construction); refusals are counted here, in memory, because a
 * refused request must change nothing stored.
 */
import type { Store } from './store/store.ts';

export class Metrics {
  readonly #refusals = new Map<string, number>();

  recordError(code: string): void {
    this.#refusals.set(code, (this.#refusals.get(code) ?? 0) + 1);
  }

  async render(store: Store): Promise<string> {
    const { jobsByStatus, eventCounts } = await store.stats();
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family('baton_jobs', 'gauge', 'Jobs by current status.');
    for (const [status, count] of Object.entries(jobsByStatus))
      lines.push(`baton_jobs{status="${status}"} ${count}`);

    const sum = (type: string) => eventCounts.filter((e) => e.type === type).reduce((n, e) => n + e.count, 0);
    family('baton_jobs_created_total', 'counter', 'Jobs created.');
    lines.push(`baton_jobs_created_total ${sum('created')}`);
    family('baton_claims_total', 'counter', 'Successful claims (leases granted).');
    lines.push(`baton_claims_total ${sum('claimed')}`);

    family(
      'baton_completions_total',
      'counter',
      'Accepted completions, by the status they moved the job to.',
    );
    for (const e of eventCounts.filter((e) => e.type === 'completed')) {
      lines.push(`baton_completions_total{status="${e.to_status}"} ${e.count}`);
    }
    family(
      'baton_lease_expiries_total',
      'counter',
      'Leases that ran out, by what the reaper did with the job.',
    );
    for (const e of eventCounts.filter((e) => e.type === 'expired')) {
      lines.push(`baton_lease_expiries_total{outcome="${e.to_status}"} ${e.count}`);
    }
    family('baton_transitions_total', 'counter', 'Every recorded event, by type and target status.');
    for (const e of eventCounts) {
      lines.push(`baton_transitions_total{type="${e.type}",to="${e.to_status ?? ''}"} ${e.count}`);
    }

    family('baton_conflicts_total', 'counter', 'Refused requests since start (409 and 412), by error code.');
    family('baton_refusals_total', 'counter', 'All error answers since start, by error code.');
    for (const [code, count] of [...this.#refusals].sort()) {
      if (['invalid_transition', 'stale_lease', 'conflict', 'precondition_failed'].includes(code)) {
        lines.push(`baton_conflicts_total{code="${code}"} ${count}`);
      }
    }
    for (const [code, count] of [...this.#refusals].sort())
      lines.push(`baton_refusals_total{code="${code}"} ${count}`);
    return `${lines.join('\n')}\n`;
  }
}
