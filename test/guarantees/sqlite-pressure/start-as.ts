/**
 * Starts `baton server` as a user that file permissions apply to. Root may write any file whatever
 * its mode, so when the tests run as root the child runs as uid/gid 65534 (`nobody`); otherwise it
 * runs as the current user, for whom a mode of 0444 already means read-only.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BatonProcess, startBaton } from '../../baton-process.ts';

const BATON_BIN = fileURLToPath(new URL('../../../bin/baton.js', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/tsx/package.json', import.meta.url));

export interface Identity {
  uid: number;
  gid: number;
}

/** The identity to run the server as, or undefined to run it as this process's user. */
export const unprivileged = (): Identity | undefined =>
  process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

/** Whether a process with `identity` can read the command it would run (a checkout under /root cannot). */
export function canRun(identity: Identity | undefined): boolean {
  if (!identity) return true;
  const probe = `const fs = require('node:fs'); fs.accessSync(${JSON.stringify(BATON_BIN)}); fs.accessSync(${JSON.stringify(TSX)});`;
  return spawnSync(process.execPath, ['-e', probe], { ...identity, stdio: 'ignore' }).status === 0;
}

export const startBatonAs = (args: string[], identity: Identity | undefined): Promise<BatonProcess> =>
  startBaton(args, {}, identity);
