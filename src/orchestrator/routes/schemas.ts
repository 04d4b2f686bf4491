/** The API's input shapes. Unknown fields are refused everywhere, so a typo never passes silently. */
import { z } from 'zod';
import { COMPLETION_STATUSES, JOB_STATUSES } from '../models/job.ts';
import { branchNameProblem, hasLoneSurrogate, pathProblem, repoUrlProblem } from '../models/naming.ts';
import { argvSchema, worktreeSetupSchema } from '../models/worker-settings.ts';

const withProblem = (check: (value: string) => string | null) =>
  z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const refName = withProblem(branchNameProblem);
const pathLike = withProblem(pathProblem);
const label = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !hasLoneSurrogate(value), 'must be valid Unicode (no lone surrogates)');
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1-128 letters, digits or ._:@-');
const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true }).transform((value) => Date.parse(value));

export const jobSpecSchema = z.strictObject({
  prompt: z.string().min(1).max(200_000),
  agent: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase agent name')
    .optional(),
  model: label.optional(),
  context_files: z.array(pathLike).max(200).optional(),
  notes: z.string().max(200_000).optional(),
  test_command: argvSchema.optional(),
  setup: worktreeSetupSchema.optional(),
  timeout_ms: z.number().int().min(1_000).max(86_400_000).optional(),
});

export const createJobSchema = z
  .object({
    repo_url: withProblem(repoUrlProblem),
    spec_json: jobSpecSchema,
    worker_type: identifier.optional(),
    base_ref: refName.optional(),
    branch_name: refName.optional(),
    worktree_path: pathLike.nullable().optional(),
    conversation_id: label.nullable().optional(),
    feature_id: label.nullable().optional(),
    feature_part: label.nullable().optional(),
    push_mode: z.enum(['always', 'never']).optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    run_at: isoTime.nullable().optional(),
    depends_on: z.array(uuid).max(100).optional(),
    max_attempts: z.number().int().min(1).max(100).optional(),
  })
  .strict();

const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const idParams = z.strictObject({ id: uuid });

const statusList = z
  .string()
  .transform((value) => value.split(',').filter(Boolean))
  .pipe(z.array(z.enum(JOB_STATUSES as [string, ...string[]])).min(1));

export const listJobsQuery = z.strictObject({
  status: statusList.optional(),
  worker_type: identifier.optional(),
  feature_id: label.optional(),
  limit: intString(1, 500).optional(),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'is not a cursor this server gave out')
    .transform(Number)
    .optional(),
});

export const claimQuery = z.strictObject({
  worker_type: identifier.optional(),
  worker_id: identifier.optional(),
  wait_ms: intString(0, 60_000).optional(),
  lease_ms: intString(1_000, 3_600_000).optional(),
});

export const leaseBody = z.strictObject({ lease_token: uuid });

export const releaseBody = z.strictObject({ lease_token: uuid, reason: z.string().max(1000).optional() });

export const completeBody = z.strictObject({
  status: z.enum(COMPLETION_STATUSES),
  result_summary: z.unknown().optional(),
  conversation_id: label.nullable().optional(),
  lease_token: uuid.optional(),
  retryable: z.boolean().optional(),
});

export const continueBody = z.strictObject({ prompt: z.string().min(1).max(200_000) });

export const emptyBody = z.strictObject({}).optional();

export const logsBody = z.strictObject({
  lease_token: uuid.optional(),
  entries: z
    .array(
      z.strictObject({
        stream: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a short lowercase stream name'),
        text: z.string().max(1_048_576),
      }),
    )
    .min(1)
    .max(1000),
});

export const logsQuery = z.strictObject({
  after: intString(0, Number.MAX_SAFE_INTEGER).optional(),
  limit: intString(1, 5000).optional(),
});

export const cleanupBody = z
  .strictObject({
    statuses: z
      .array(z.enum(['done', 'failed', 'cancelled']))
      .min(1)
      .optional(),
    max_age_days: z.number().min(0).max(36_500).optional(),
  })
  .optional();

export const eventsQuery = z.strictObject({
  after: intString(0, Number.MAX_SAFE_INTEGER).optional(),
});
