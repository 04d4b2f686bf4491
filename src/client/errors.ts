/**
 * What a client call can fail with: the orchestrator answered with an error (`BatonApiError`, with
 * the API's stable `code`), or it could not be reached at all (`BatonConnectionError`).
 */

/** A non-2xx answer, built from the API's one error shape `{ error, code, ...details }`. */
export class BatonApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Every field of the error body other than `error` and `code` (such as `job_id`, `status`). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'BatonApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Reads an error answer; bodies that are not the API's shape (a proxy's page) still give a code. */
  static fromBody(status: number, statusText: string, text: string): BatonApiError {
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (body !== null && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'string') {
      const { error, code, ...details } = body as Record<string, unknown>;
      const message = typeof error === 'string' && error ? error : `HTTP ${status} ${statusText}`.trim();
      return new BatonApiError(status, code as string, message, details);
    }
    return new BatonApiError(status, `http_${status}`, `HTTP ${status} ${statusText}`.trim());
  }
}

/** The orchestrator cannot be reached (refused, reset, unknown host). */
export class BatonConnectionError extends Error {
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(
      `cannot reach the Baton orchestrator at ${url} (${describeCause(cause)}); ` +
        'start it with `baton up`, or point --url (BATON_URL) at a running one',
      { cause },
    );
    this.name = 'BatonConnectionError';
    this.url = url;
  }
}

/** fetch's own error says only "fetch failed"; the useful part (ECONNREFUSED ...) is its cause. */
function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: unknown } | undefined)?.cause ?? cause;
  if (inner && typeof inner === 'object') {
    const { code, message } = inner as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string' && message) return message;
  }
  return String(inner);
}
