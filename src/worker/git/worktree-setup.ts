/**
 * Setup of a new worktree: files copied in from the repository's local folder (such as an untracked
 * `.env`), then a setup command (such as `npm ci`). Copied files are added to the repository's
 * exclude list, so Baton never commits them (a copied secret must not land on the branch) and
 * `discardChanges` keeps them.
 */
import { cp, lstat, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathProblem } from '../../orchestrator/models/naming.ts';
import { WorkspaceError } from './errors.ts';
import { git } from './git.ts';
import { isStrictlyInside, resolveInside } from './locations.ts';
import { type LogSink, runCommand } from './run-command.ts';

const log = (onLog: LogSink, text: string) => onLog([{ stream: 'setup', text }]);

/**
 * Copies each listed path (a file or a folder) from `sourceDir` into the worktree. A missing file is
 * logged and skipped; a path that leaves either folder (by `..`, an absolute path or a symlink) or
 * touches `.git` is refused. Answers the paths copied.
 */
export async function copyFiles(
  sourceDir: string,
  worktree: string,
  files: readonly string[],
  onLog: LogSink,
): Promise<string[]> {
  const realSource = await realpath(sourceDir);
  const copied: string[] = [];
  for (const file of files) {
    const problem =
      pathProblem(file) ??
      (isAbsolute(file) ? 'must be relative to the repository' : null) ??
      (file.split(/[\\/]/).includes('.git') ? "must not touch '.git'" : null);
    if (problem) throw new WorkspaceError('unsafe_path', `setup.copy_files entry '${file}' ${problem}`);
    let from: string;
    try {
      from = await realpath(resolve(realSource, file));
    } catch {
      log(onLog, `copy_files: ${file} is not in ${sourceDir}; skipped`);
      continue;
    }
    if (!isStrictlyInside(realSource, from)) {
      throw new WorkspaceError('unsafe_path', `setup.copy_files entry '${file}' leads outside ${sourceDir}`);
    }
    const to = await resolveInside(worktree, file, 'setup.copy_files entry', { allowBatonFolders: true });
    await mkdir(dirname(to), { recursive: true });
    // Symlinks inside a copied folder are skipped: they could point anywhere.
    await cp(from, to, {
      recursive: true,
      force: true,
      filter: async (path) => !(await lstat(path)).isSymbolicLink(),
    });
    copied.push(file);
    log(onLog, `copy_files: copied ${file}`);
  }
  if (copied.length > 0) await excludeFromCommits(worktree, copied);
  return copied;
}

/** Adds `/<path>` lines to the repository's shared `info/exclude` (once each). */
async function excludeFromCommits(worktree: string, paths: readonly string[]): Promise<void> {
  const relativeFile = (await git(['rev-parse', '--git-path', 'info/exclude'], { cwd: worktree })).trim();
  const file = resolve(worktree, relativeFile);
  const current = await readFile(file, 'utf8').catch(() => '');
  const lines = new Set(current.split('\n'));
  const wanted = paths.map((path) => `/${path.replace(/[\\*?[!#]/g, '\\$&').replace(/ $/, '\\ ')}`);
  const missing = wanted.filter((line) => !lines.has(line));
  if (missing.length === 0) return;
  await mkdir(dirname(file), { recursive: true });
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  await writeFile(file, `${prefix}${missing.join('\n')}\n`);
}

/** Runs the setup command in the worktree; a failure or a missing program is a `setup_failed` error. */
export async function runSetupCommand(
  command: readonly string[],
  worktree: string,
  env: NodeJS.ProcessEnv | undefined,
  onLog: LogSink,
  signal?: AbortSignal,
): Promise<void> {
  log(onLog, `setup: running ${JSON.stringify(command)}`);
  const outcome = await runCommand(command, {
    cwd: worktree,
    env,
    onLog,
    streams: { out: 'setup-out', err: 'setup-err' },
    signal,
  });
  if (outcome.spawnError) {
    throw new WorkspaceError(
      'setup_failed',
      `setup command ${command[0]} could not start: ${outcome.spawnError}`,
    );
  }
  if (outcome.exitCode !== 0) {
    const how = outcome.exitCode === null ? 'was stopped by a signal' : `exited with ${outcome.exitCode}`;
    throw new WorkspaceError('setup_failed', `setup command ${JSON.stringify(command)} ${how}`);
  }
}
