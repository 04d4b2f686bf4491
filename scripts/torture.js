#!/usr/bin/env node
// Runs the torture run by hand, longer or with a given seed:
//   BATON_TORTURE_JOBS=20000 BATON_TORTURE_MS=120000 BATON_TORTURE_SEED=123 node scripts/torture.js
// Prints the summary line and every violation; exits 1 when there is any. BATON_TORTURE_KEEP=1 keeps
// the temp folder (database, journals, worker logs) even when the run passes.
import { register } from 'tsx/esm/api';

register();
const { optionsFromEnv, runTorture } = await import('../test/guarantees/torture/harness.ts');
const options = optionsFromEnv(process.env);
options.drainMs = Math.max(options.drainMs, options.submitMs);
const keep = process.env.BATON_TORTURE_KEEP === '1';
const result = await runTorture({
  ...options,
  keep,
  verbose: true,
  log: (line) => process.stderr.write(`${line}\n`),
});
for (const violation of result.violations.slice(0, 50)) {
  process.stdout.write(`violation ${violation.check} ${violation.job_id ?? ''} ${violation.detail}\n`);
}
if (result.violations.length > 50) process.stdout.write(`... and ${result.violations.length - 50} more\n`);
process.stdout.write(`${result.summary}\n`);
process.exitCode = result.violations.length > 0 || !result.finished ? 1 : 0;
