/**
 * What "the database is unchanged" means here, checked two ways on the server's own SQLite file:
 * - `dump()`: every row of every table (sqlite_master included, so the schema too), through a
 *   read-only connection of our own, each table's rows sorted; taken after every request.
 * - `fileDigest()`: SHA-256 of the raw bytes of the database file and of its write-ahead log.
 *   In WAL mode committed pages live in `-wal` until a checkpoint copies them into the main file,
 *   and a checkpoint only follows a commit; so a run that commits nothing leaves both files
 *   byte-for-byte identical. The `-shm` index is excluded: readers rewrite it by design.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

export class DatabaseWatch {
  readonly #db: Database.Database;
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
    this.#db = new Database(path, { readonly: true, fileMustExist: true });
  }

  dump(): string {
    const tables = this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as Array<{ name: string }>;
    const parts = ['sqlite_master', ...tables.map((table) => table.name)].map((name) => {
      const rows = this.#db.prepare(`SELECT * FROM "${name}"`).all();
      return `${name}\n${rows
        .map((row) => JSON.stringify(row))
        .sort()
        .join('\n')}`;
    });
    return parts.join('\n\n');
  }

  fileDigest(): string {
    return databaseFileDigest(this.#path);
  }

  close(): void {
    this.#db.close();
  }
}

/** SHA-256 of the raw bytes of a database file and of its write-ahead log (see the note above). */
export function databaseFileDigest(path: string): string {
  const hash = createHash('sha256');
  for (const file of [path, `${path}-wal`]) {
    hash.update(file.endsWith('-wal') ? 'wal:' : 'db:');
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}
