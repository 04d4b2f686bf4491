/**
 * The shapes of a job's worker settings (test command, worktree setup), shared by the API's job
 * schema and a repository's `.baton.json`, so both accept and refuse exactly the same values.
 */
import { z } from 'zod';
import { pathProblem } from './naming.ts';

/** A program and its arguments, run without a shell. */
export const argvSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(4_096)
      .refine((arg) => !arg.includes('\0'), 'must not contain NUL (no program can receive it)'),
  )
  .min(1)
  .max(200);

/** A path inside the repository: relative, no `..` component, not option-like. */
const relativePathSchema = z.string().superRefine((value, ctx) => {
  const problem =
    pathProblem(value) ??
    (value.startsWith('/') || /^[A-Za-z]:/.test(value) ? 'must be relative to the repository' : null);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const worktreeSetupSchema = z.strictObject({
  copy_files: z.array(relativePathSchema).max(100).optional(),
  command: argvSchema.optional(),
});
