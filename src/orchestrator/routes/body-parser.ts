/**
 * Request bodies are JSON whatever the Content-Type says (so `curl -d '{...}'` just works), must be
 * valid UTF-8, and may nest at most MAX_DEPTH levels: deeper documents would overflow the stack
 * later, when they are stringified for storage.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../models/errors.ts';

const MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Iterative, so a hostile document cannot overflow the stack while being measured. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ValidationError('Request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (depthExceeds(value, MAX_DEPTH))
    throw new ValidationError(`Request body nests deeper than ${MAX_DEPTH} levels`);
  return value;
}

export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
