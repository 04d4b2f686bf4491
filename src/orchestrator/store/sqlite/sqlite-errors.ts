import { BatonError, StorageUnavailableError } from '../../models/errors.ts';

/** SQLite result codes that mean "the storage cannot take writes now", not "the request was bad". */
const UNAVAILABLE: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_BUSY: 'the database is locked by another process',
  SQLITE_IOERR: 'the database file could not be read or written',
  SQLITE_CANTOPEN: 'the database file could not be opened',
};

/** Domain errors pass through; storage failures become a typed, reportable error. */
export function translateSqliteError(error: unknown): unknown {
  if (error instanceof BatonError) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    const base = Object.keys(UNAVAILABLE).find((prefix) => code === prefix || code.startsWith(`${prefix}_`));
    if (base) return new StorageUnavailableError(`Storage unavailable: ${UNAVAILABLE[base]} (${code})`);
  }
  return error;
}
