/**
 * Typed domain errors. Each carries a stable string `code` that every transport (HTTP, CLI, MCP)
 * reports unchanged; the HTTP status for each code lives in one table in `routes/errors.ts`.
 */

export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'invalid_transition'
  | 'stale_lease'
  | 'conflict'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'storage_unavailable';

export type ErrorDetails = Record<string, unknown>;

export class BatonError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends BatonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('validation_failed', message, details);
  }
}

export class NotFoundError extends BatonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('not_found', message, details);
  }
}

export const jobNotFound = (jobId: string): NotFoundError =>
  new NotFoundError(`Job ${jobId} not found`, { job_id: jobId });

/** A move the transition table (or the verb's own rule) forbids from the job's current status. */
export class InvalidTransitionError extends BatonError {
  constructor(jobId: string, status: string, target: string, why?: string) {
    const base = `Job ${jobId} is ${status}; it cannot move to ${target}`;
    super('invalid_transition', why ? `${base}: ${why}` : base, { job_id: jobId, status, target });
  }
}

/** A lease token that is not the job's live one: a fenced-off worker from an older attempt. */
export class StaleLeaseError extends BatonError {
  constructor(jobId: string, status: string, attempt: number) {
    super(
      'stale_lease',
      `Lease token is not the live lease of job ${jobId} (now ${status}, attempt ${attempt})`,
      {
        job_id: jobId,
        status,
        attempt,
      },
    );
  }
}

export class ConflictError extends BatonError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('conflict', message, details);
  }
}

export class PreconditionFailedError extends BatonError {
  constructor(jobId: string, expectedVersion: number, version: number) {
    super('precondition_failed', `Job ${jobId} is at version ${version}, not ${expectedVersion}`, {
      job_id: jobId,
      version,
      expected_version: expectedVersion,
    });
  }
}

export class UnauthorizedError extends BatonError {
  constructor(message = 'A valid bearer token is required') {
    super('unauthorized', message);
  }
}

export class StorageUnavailableError extends BatonError {
  constructor(message: string) {
    super('storage_unavailable', message);
  }
}
