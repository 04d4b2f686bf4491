/** Parses untrusted input with a zod schema; failures become one `validation_failed` error. */
import type { z } from 'zod';
import { ValidationError } from '../models/errors.ts';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'invalid';
  throw new ValidationError(`Invalid ${where}: ${summary}`, { issues });
}
