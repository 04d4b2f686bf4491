/**
 * A child process that opens the SQLite store on the file named in argv[2] (running its
 * migrations) and closes it again. Prints `opening` before it touches the file, then `opened`; a
 * failure is one line on stderr and exit 1. Used to race a second process through the migrations.
 */
import { systemClock } from '../../../src/orchestrator/clock.ts';
import { SqliteStore } from '../../../src/orchestrator/store/sqlite/sqlite-store.ts';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: open-store.ts <database file>\n');
  process.exit(2);
}
process.stdout.write('opening\n');
try {
  const store = new SqliteStore({ path, clock: systemClock });
  await store.close();
  process.stdout.write('opened\n');
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
