/**
 * Keep-alive HTTP/1.1 clients for the load. The client shares this machine's two cores with the
 * server it measures, so its own cost per request matters: with `node:http` (or `fetch`) the
 * client, not the in-memory yardstick, becomes the bottleneck, and the yardstick would understate
 * the limit. So the default is a minimal client on raw sockets: one request in flight per
 * connection, the request written in one piece, responses framed by Content-Length (which both
 * servers always send; anything else is refused loudly). `BENCH_CLIENT=node-http` switches to a
 * `node:http` Agent with keepAlive, to cross-check.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  text: string;
}

export interface JsonClient {
  post(path: string, body?: unknown): Promise<Answer>;
  close(): void;
}

export type ClientKind = 'raw' | 'node-http';

/** A client with up to `sockets` keep-alive connections, one request in flight on each. */
export function createClient(kind: ClientKind, baseUrl: string, sockets: number): JsonClient {
  return kind === 'raw' ? new RawClient(baseUrl, sockets) : new NodeHttpClient(baseUrl, sockets);
}

/** Throws with the server's answer unless the status is one of `expected`. */
export function expectStatus(answer: Answer, what: string, ...expected: number[]): void {
  if (!expected.includes(answer.status)) {
    throw new Error(`${what}: expected HTTP ${expected.join(' or ')}, got ${answer.status}: ${answer.text}`);
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

/** One keep-alive connection; requests on it must wait for the previous answer. */
class Connection {
  readonly #socket: Socket;
  readonly #host: string;
  #buffer: Buffer | undefined;
  #waiting: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  constructor(host: string, port: number) {
    this.#host = `${host}:${port}`;
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  send(method: string, path: string, payload: string): Promise<Answer> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#waiting) return Promise.reject(new Error('a request is already in flight on this connection'));
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n` +
      (payload ? 'Content-Type: application/json\r\n' : '');
    return new Promise<Answer>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(`${head}\r\n${payload}`);
    });
  }

  /** True once the connection failed or was closed: it takes no more requests. */
  get broken(): boolean {
    return this.#failure !== undefined;
  }

  close(): void {
    this.#failure ??= new Error('client closed');
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    const buffer = this.#buffer ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const headerEnd = buffer.indexOf(HEADER_END);
    if (headerEnd === -1) {
      this.#buffer = buffer;
      return;
    }
    const head = buffer.toString('latin1', 0, headerEnd);
    const length = CONTENT_LENGTH.exec(head)?.[1];
    if (length === undefined) {
      this.#fail(new Error(`response without Content-Length: ${head}`));
      return;
    }
    const end = headerEnd + HEADER_END.length + Number(length);
    if (buffer.length < end) {
      this.#buffer = buffer;
      return;
    }
    if (buffer.length > end) {
      this.#fail(new Error('unexpected bytes after the response'));
      return;
    }
    this.#buffer = undefined;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve({
      status: Number(head.slice(9, 12)),
      text: buffer.toString('utf8', headerEnd + HEADER_END.length, end),
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }
}

class RawClient implements JsonClient {
  readonly #host: string;
  readonly #port: number;
  readonly #max: number;
  readonly #all: Connection[] = [];
  readonly #idle: Connection[] = [];
  readonly #queue: Array<(connection: Connection) => void> = [];

  constructor(baseUrl: string, sockets: number) {
    const url = new URL(baseUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#max = sockets;
  }

  async post(path: string, body?: unknown): Promise<Answer> {
    const connection = await this.#acquire();
    try {
      return await connection.send('POST', path, body === undefined ? '' : JSON.stringify(body));
    } finally {
      this.#release(connection);
    }
  }

  close(): void {
    for (const connection of this.#all) connection.close();
  }

  #release(connection: Connection): void {
    if (connection.broken) {
      // A failed connection is dropped; a caller waiting for one gets a new one.
      this.#all.splice(this.#all.indexOf(connection), 1);
      const next = this.#queue.shift();
      if (next) next(this.#open());
      return;
    }
    const next = this.#queue.shift();
    if (next) next(connection);
    else this.#idle.push(connection);
  }

  #open(): Connection {
    const connection = new Connection(this.#host, this.#port);
    this.#all.push(connection);
    return connection;
  }

  #acquire(): Promise<Connection> | Connection {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.length < this.#max) return this.#open();
    return new Promise((resolve) => this.#queue.push(resolve));
  }
}

class NodeHttpClient implements JsonClient {
  readonly #agent: Agent;
  readonly #host: string;
  readonly #port: number;

  constructor(baseUrl: string, sockets: number) {
    const url = new URL(baseUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  post(path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(payload) };
    if (payload) headers['content-type'] = 'application/json';
    return new Promise<Answer>((resolve, reject) => {
      const req = request(
        { host: this.#host, port: this.#port, method: 'POST', path, agent: this.#agent, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
