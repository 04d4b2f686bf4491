/**
 * Rules for names that reach git and the file system. Pure. A branch name or path from a request
 * must never be able to act as a git option or escape the worktrees folder.
 */

/**
 * A lone UTF-16 surrogate (valid in a JSON escape such as "\ud800", but not Unicode text) cannot be
 * stored as given: SQLite keeps UTF-8, so the value read back would differ from the one accepted.
 */
export const hasLoneSurrogate = (value: string): boolean => /\p{Cs}/u.test(value);

/** git check-ref-format rules, plus: no leading `-` (it would read as an option). */
export function branchNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 200) return 'must be at most 200 characters';
  if (hasLoneSurrogate(name)) return 'must be valid Unicode (no lone surrogates)';
  if (name.startsWith('-')) return "must not start with '-'";
  if (name.startsWith('/') || name.endsWith('/')) return "must not start or end with '/'";
  if (name.endsWith('.') || name.endsWith('.lock')) return "must not end with '.' or '.lock'";
  if (name.includes('..')) return "must not contain '..'";
  if (name.includes('//')) return "must not contain '//'";
  if (name.includes('@{') || name === '@') return "must not contain '@{' or be '@'";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name))
    return 'must not contain spaces, control characters or any of ~^:?*[\\';
  if (name.split('/').some((part) => part.startsWith('.'))) return "no path component may start with '.'";
  return null;
}

/** A path-like value (repo path, worktree path): no `..` component, no option-like prefix, no NUL. */
export function pathProblem(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 4096) return 'must be at most 4096 characters';
  if (value.startsWith('-')) return "must not start with '-'";
  if (value.includes('\0')) return 'must not contain NUL';
  if (hasLoneSurrogate(value)) return 'must be valid Unicode (no lone surrogates)';
  if (value.split(/[\\/]/).includes('..')) return "must not contain a '..' component";
  return null;
}

const REMOTE_SCHEME = /^(https?|ssh|git):\/\/[^/\s]+/i;
/**
 * scp-like `[user@]host:path`; the part before ':' has no '/', so a local path never matches, and
 * `::` is refused, as `<helper>::<address>` would make git run a remote helper (`ext::` runs commands).
 */
const SCP_LIKE = /^([A-Za-z0-9._~-]+@)?[A-Za-z0-9.-]+:(?!:)\S/;

/** True for a remote repository address (https, ssh, git, or scp-like `user@host:path`). */
export const isRemoteRepoUrl = (url: string): boolean =>
  !url.includes('::') && (REMOTE_SCHEME.test(url) || SCP_LIKE.test(url));

/**
 * A job's repository: an absolute path, a `file://` URL, or a remote URL. Refused here, at the API,
 * is anything git could read as an option or a helper transport (`ext::` runs commands), and a
 * relative path (relative to what? the worker runs elsewhere).
 */
export function repoUrlProblem(url: string): string | null {
  const problem = pathProblem(url);
  if (problem) return problem;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(url)) return 'must not contain control characters';
  if (/^file:/i.test(url) || url.startsWith('/') || isRemoteRepoUrl(url)) return null;
  return 'must be an absolute path, a file:// URL, or a remote URL (https://, ssh://, git://, user@host:path)';
}

/**
 * `baton/<slug of the prompt>-<last 8 hex digits of the id>`, always a valid branch name. The last
 * digits, because job ids are UUIDv7: their first digits are a timestamp that nearby jobs share.
 */
export function defaultBranchName(prompt: string, jobId: string): string {
  const slug = prompt
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const short = jobId.replace(/-/g, '').slice(-8);
  return slug ? `baton/${slug}-${short}` : `baton/job-${short}`;
}
