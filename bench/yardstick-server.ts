/**
 * The yardstick: the least a JSON HTTP job queue can cost on this machine. Plain `node:http`, jobs
 * in memory (no durability, no validation, no history), the same few endpoints and the same JSON
 * shapes as Baton, so the benchmark can drive both with one client:
 *
 *   POST /jobs                 -> 201 job
 *   POST /jobs/claim?worker_id -> 200 job, or 404 when nothing is claimable
 *   POST /jobs/:id/complete    -> 200 job (404 unknown job, 409 wrong lease)
 *
 * Claims pop a FIFO per worker type (an array and a head index, compacted now and then): O(1).
 * Started like Baton: `--port 0` picks a free port, and it prints the URL it listens on.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

/** A job in Baton's wire form (what `jobView` sends), times already as ISO strings. */
interface WireJob {
  id: string;
  status: string;
  version: number;
  worker_type: string;
  repo_url: string;
  base_ref: string;
  branch_name: string;
  worktree_path: string | null;
  spec_json: unknown;
  result_summary: unknown;
  conversation_id: string | null;
  feature_id: string | null;
  feature_part: string | null;
  push_mode: string;
  priority: number;
  run_at: string | null;
  depends_on: string[];
  attempt: number;
  max_attempts: number;
  lease_token: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  cancel_requested: boolean;
  created_at: string;
  updated_at: string;
}

interface Queue {
  items: Array<WireJob | undefined>;
  head: number;
}

const DEFAULT_LEASE_MS = 60_000;
const jobs = new Map<string, WireJob>();
const queues = new Map<string, Queue>();

function queueFor(workerType: string): Queue {
  let queue = queues.get(workerType);
  if (!queue) {
    queue = { items: [], head: 0 };
    queues.set(workerType, queue);
  }
  return queue;
}

function send(res: ServerResponse, status: number, body: unknown, job?: WireJob): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  };
  if (job) headers.etag = `"v${job.version}"`;
  res.writeHead(status, headers);
  res.end(text);
}

const notFound = (res: ServerResponse, error: string) => send(res, 404, { error, code: 'not_found' });

function create(res: ServerResponse, body: Record<string, unknown>): void {
  const now = new Date().toISOString();
  const id = randomUUID();
  const workerType = (body.worker_type as string | undefined) ?? 'default';
  const job: WireJob = {
    id,
    status: 'pending',
    version: 1,
    worker_type: workerType,
    repo_url: body.repo_url as string,
    base_ref: (body.base_ref as string | undefined) ?? 'main',
    branch_name: (body.branch_name as string | undefined) ?? `baton/job-${id.slice(0, 8)}`,
    worktree_path: null,
    spec_json: body.spec_json,
    result_summary: null,
    conversation_id: null,
    feature_id: null,
    feature_part: null,
    push_mode: 'always',
    priority: 0,
    run_at: null,
    depends_on: [],
    attempt: 0,
    max_attempts: 3,
    lease_token: null,
    lease_owner: null,
    lease_expires_at: null,
    cancel_requested: false,
    created_at: now,
    updated_at: now,
  };
  jobs.set(id, job);
  queueFor(workerType).items.push(job);
  res.setHeader('location', `/jobs/${id}`);
  send(res, 201, job, job);
}

function claim(res: ServerResponse, query: URLSearchParams, remote: string): void {
  const workerType = query.get('worker_type') ?? 'default';
  const queue = queues.get(workerType);
  let job: WireJob | undefined;
  if (queue) {
    while (queue.head < queue.items.length) {
      const next = queue.items[queue.head];
      queue.items[queue.head] = undefined;
      queue.head += 1;
      if (next?.status === 'pending') {
        job = next;
        break;
      }
    }
    if (queue.head > 4096 && queue.head * 2 > queue.items.length) {
      queue.items = queue.items.slice(queue.head);
      queue.head = 0;
    }
  }
  if (!job) {
    send(res, 404, { error: 'No claimable job', code: 'not_found', worker_type: workerType });
    return;
  }
  const now = Date.now();
  const leaseMs = Number(query.get('lease_ms') ?? DEFAULT_LEASE_MS);
  job.status = 'running';
  job.version += 1;
  job.attempt += 1;
  job.lease_token = randomUUID();
  job.lease_owner = query.get('worker_id') ?? remote;
  job.lease_expires_at = new Date(now + leaseMs).toISOString();
  job.updated_at = new Date(now).toISOString();
  send(res, 200, job, job);
}

function complete(res: ServerResponse, id: string, body: Record<string, unknown>): void {
  const job = jobs.get(id);
  if (!job) {
    notFound(res, `Job ${id} not found`);
    return;
  }
  if (job.status !== 'running' || job.lease_token !== body.lease_token) {
    send(res, 409, { error: `Job ${id} is not held by this lease`, code: 'stale_lease' });
    return;
  }
  job.status = body.status as string;
  job.version += 1;
  job.lease_expires_at = null;
  if (body.result_summary !== undefined) job.result_summary = body.result_summary;
  job.updated_at = new Date().toISOString();
  send(res, 200, job, job);
}

const COMPLETE_PATH = /^\/jobs\/([^/]+)\/complete$/;

function route(req: IncomingMessage, res: ServerResponse, raw: string): void {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  if (req.method !== 'POST') {
    notFound(res, `No route for ${req.method} ${path}`);
    return;
  }
  const body = (raw.length > 0 ? JSON.parse(raw) : {}) as Record<string, unknown>;
  if (path === '/jobs') {
    create(res, body);
  } else if (path === '/jobs/claim') {
    const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    claim(res, query, req.socket.remoteAddress ?? 'unknown');
  } else {
    const id = COMPLETE_PATH.exec(path)?.[1];
    if (id) complete(res, id, body);
    else notFound(res, `No route for POST ${path}`);
  }
}

const server = createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    raw += chunk;
  });
  req.on('end', () => {
    try {
      route(req, res, raw);
    } catch (error) {
      send(res, 400, { error: String(error), code: 'validation_failed' });
    }
  });
});
// Idle keep-alive connections stay open between benchmark phases.
server.keepAliveTimeout = 120_000;

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  process.stdout.write(`Yardstick listening on http://${values.host}:${port} (in memory)\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
