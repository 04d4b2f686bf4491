/**
 * `GET /events`: Server-Sent Events of job changes, read from the event history. Each message's
 * `id` is the history's sequence number, so a client that reconnects with `Last-Event-ID` (or
 * `?after=`) misses nothing and sees nothing twice.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../models/errors.ts';
import type { RouteContext } from './context.ts';
import { eventsQuery } from './schemas.ts';
import { eventView } from './serialize.ts';
import { parseInput } from './validate.ts';

const BATCH = 500;
const RECHECK_MS = 1000;
const KEEPALIVE_MS = 15_000;

function startingPoint(lastEventId: string | string[] | undefined, after: number | undefined): number {
  if (lastEventId === undefined) return after ?? 0;
  const value = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  if (!value || !/^\d{1,15}$/.test(value))
    throw new ValidationError('Last-Event-ID must be an event id this server sent');
  return Number(value);
}

export function eventRoutes(app: FastifyInstance, { store, closing }: RouteContext): void {
  app.get('/events', async (request, reply) => {
    const query = parseInput(eventsQuery, request.query, 'query');
    let cursor = startingPoint(request.headers['last-event-id'], query.after);

    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    out.write('retry: 2000\n\n');

    let pumping = false;
    let again = false;
    // Drains the history from the cursor; a wake-up during a drain triggers one more pass.
    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            const events = await store.eventsAfter(cursor, BATCH);
            for (const event of events) {
              out.write(`id: ${event.seq}\nevent: job\ndata: ${JSON.stringify(eventView(event))}\n\n`);
              cursor = event.seq;
            }
            if (events.length < BATCH || out.destroyed) break;
          }
        } while (again && !out.destroyed);
      } catch (error) {
        request.log.warn({ err: error }, 'event stream read failed');
      } finally {
        pumping = false;
      }
    };

    const unsubscribe = store.onChange(() => void pump());
    const recheck = setInterval(() => void pump(), RECHECK_MS);
    const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
    const finish = () => {
      unsubscribe();
      clearInterval(recheck);
      clearInterval(keepalive);
      closing.removeEventListener('abort', finish);
      if (!out.writableEnded) out.end();
    };
    out.on('close', finish);
    closing.addEventListener('abort', finish, { once: true });
    await pump();
  });
}
