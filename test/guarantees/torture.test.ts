/**
 * The crash-and-race torture run (issue 4): a real `baton server` process, worker processes and
 * faults from a seed, checked afterwards from the database, the history and the workers' journals.
 * BATON_TORTURE_JOBS, BATON_TORTURE_SEED and BATON_TORTURE_MS scale it; the seed is in the summary.
 * The second half plants violations in copies of the run's own data, to show each check can fail.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runChecks } from './torture/checks.ts';
import { optionsFromEnv, runTorture, type TortureOptions, type TortureResult } from './torture/harness.ts';
import type { CheckInput, EventRecord } from './torture/records.ts';

const options: TortureOptions = { ...optionsFromEnv(process.env), log: (line) => console.log(line) };
let result: TortureResult;

/** The run's data, with lists that a test may change. */
type Plantable = {
  -readonly [K in keyof CheckInput]: CheckInput[K] extends readonly (infer T)[] ? T[] : CheckInput[K];
};

/**
 * The checks' verdict on a copy of the run's data after `plant` changed it, one `check: detail` line
 * per violation. Tests match the detail, since several rules share one check name: each plant must
 * be caught by the rule it is about.
 */
function checksAfter(plant: (input: Plantable) => void): string {
  const copy = structuredClone(result.input) as Plantable;
  plant(copy);
  return runChecks(copy)
    .map((violation) => `${violation.check}: ${violation.detail}`)
    .join('\n');
}

const eventsOf = (input: Plantable, jobId: string): EventRecord[] =>
  input.events.filter((event) => event.job_id === jobId);

describe('the torture run: real orchestrator and worker processes under injected faults', () => {
  before(
    async () => {
      result = await runTorture(options);
      console.log(result.summary);
    },
    { timeout: 240_000 },
  );

  it('ends every submitted job in one terminal status with a legal, fenced history that matches /metrics', () => {
    assert.equal(result.finished, true, 'every job reached a terminal status before the deadline');
    assert.deepEqual(result.violations.slice(0, 20), [], result.summary);
    assert.equal(result.input.submitted.length, options.jobs);
    assert.equal(result.input.jobs.length, options.jobs);
  });

  it('injected every kind of fault, and the fencing refused stale workers', () => {
    for (const [kind, count] of Object.entries(result.faults))
      assert.ok(count > 0, `no ${kind} fault was injected`);
    assert.ok(result.faults.restart_orchestrator >= 1);
    // Every late completion is answered stale_lease, so there is at least one refusal per late report.
    assert.ok(result.staleRefusals >= result.faults.late_completion, result.summary);
  });

  it('prints one summary line with the seed, jobs, attempts, faults by kind and the violation count', () => {
    const pattern =
      /^torture: seed=(\d+) jobs=(\d+) attempts=(\d+) stale_refused=\d+ faults\{kill_worker:\d+,pause_worker:\d+,duplicate_completion:\d+,late_completion:\d+,cancel:\d+,restart_orchestrator:\d+\} violations: (\d+) \(\d+\.\ds\)$/;
    const match = pattern.exec(result.summary);
    assert.ok(match, result.summary);
    assert.equal(Number(match[1]), options.seed);
    assert.equal(Number(match[2]), options.jobs);
    assert.equal(Number(match[3]), result.input.events.filter((e) => e.type === 'claimed').length);
    assert.equal(Number(match[4]), result.violations.length);
  });

  describe('the torture checks catch violations planted in the run’s own data', () => {
    it('reports a second lease granted while the first is still held', () => {
      const found = checksAfter((input) => {
        const claim = input.events.find((e) => e.type === 'claimed')!;
        input.events.push({ ...claim, seq: claim.seq + 0.5, attempt: claim.attempt + 1, actor: 'intruder' });
      });
      assert.match(found, /^lease: .*claimed while attempt \d+ still held the lease/m);
    });

    it('reports an illegal transition (done -> running) in the history', () => {
      const found = checksAfter((input) => {
        const done = input.events.find((e) => e.to_status === 'done')!;
        const last = eventsOf(input, done.job_id).at(-1)!;
        input.events.push({
          ...last,
          seq: 1e9,
          type: 'claimed',
          from_status: 'done',
          to_status: 'running',
          version: last.version + 1,
        });
      });
      assert.match(found, /^history: .*illegal transition done -> running/m);
    });

    it('reports a lost job and a job that is not terminal', () => {
      assert.match(
        checksAfter((input) => input.jobs.pop()),
        /^lost: submitted but not in the database/m,
      );
      assert.match(
        checksAfter((input) => {
          input.jobs[0]!.status = 'running';
        }),
        /^terminal: ended running/m,
      );
    });

    it('reports a stale completion that was accepted', () => {
      const found = checksAfter((input) => {
        // A late report (sent after the lease was reaped), not a duplicate: a refused duplicate
        // (after a retryable failure handed the job back) is judged by the duplicate rule instead.
        const stale = input.journal.find(
          (e) => e.kind === 'complete' && e.purpose === 'late' && e.code === 'stale_lease',
        );
        assert.ok(stale, 'the run produced a stale completion to plant on');
        Object.assign(stale, { http: 200, code: null });
      });
      assert.match(found, /^fencing: .*a report after the lease was reaped was accepted/m);
    });

    it('reports a completion in the history that no live worker journalled as accepted', () => {
      const found = checksAfter((input) => {
        const killed = new Set(input.killedWorkers);
        const index = input.journal.findIndex(
          (e) => e.kind === 'complete' && e.http === 200 && e.purpose === 'normal' && !killed.has(e.worker),
        );
        assert.ok(index >= 0, 'the run produced a journalled completion to remove');
        const [entry] = input.journal.splice(index, 1);
        input.journal = input.journal.filter(
          (e) => !(e.job_id === entry!.job_id && e.attempt === entry!.attempt),
        );
      });
      assert.match(found, /^fencing: .*that no journal shows accepted/m);
    });

    it('reports a duplicate completion that changed the job, and done accepted twice', () => {
      const changed = checksAfter((input) => {
        const dup = input.journal.find((e) => e.purpose === 'duplicate' && e.http === 200);
        assert.ok(dup, 'the run produced an accepted duplicate to plant on');
        dup.job_version = (dup.job_version ?? 0) + 1;
      });
      assert.match(changed, /^duplicate: /m);
      const twice = checksAfter((input) => {
        const done = input.events.find((e) => e.type === 'completed' && e.to_status === 'done')!;
        input.events.push({ ...done, seq: 1e9, from_status: 'done', version: 1e9 });
      });
      assert.match(twice, /^done_once: .*done 2 times/m);
    });

    it('reports /metrics that disagree with the history, and a failed integrity check', () => {
      const found = checksAfter((input) => {
        input.metrics = input.metrics.replace(
          /^baton_claims_total (\d+)$/m,
          (_, n) => `baton_claims_total ${Number(n) + 1}`,
        );
      });
      assert.match(found, /^metrics: baton_claims_total is \d+; the history says \d+/m);
      const corrupt = checksAfter((input) => {
        input.integrity = ['*** in database main *** Page 7: btreeInitPage() returns error code 11'];
      });
      assert.match(corrupt, /^integrity: PRAGMA integrity_check: .*btreeInitPage/m);
    });

    it('reports two jobs holding one branch at once', () => {
      const found = checksAfter((input) => {
        // A job that was claimed (one cancelled while pending never was), and any other job.
        const a = input.jobs.find((job) => eventsOf(input, job.id).some((e) => e.type === 'claimed'));
        const b = input.jobs.find((job) => job !== a);
        b!.repo_url = a!.repo_url;
        b!.branch_name = a!.branch_name;
        const claimA = eventsOf(input, a!.id).find((e) => e.type === 'claimed')!;
        // B takes the branch right after A did, before A let it go.
        input.events.push({ ...claimA, job_id: b!.id, seq: claimA.seq + 0.5 });
      });
      assert.match(found, /^branch: /m);
    });
  });
});
