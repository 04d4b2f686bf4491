/**
 * The fuzzer's side of the wire: JSON text with literals JSON.stringify cannot write (1e309, -0,
 * NaN), and a raw HTTP/1.1 client over node:http that sends exact bytes (invalid UTF-8, chunked
 * bodies past the limit) on a fresh connection per request, so one broken request cannot affect the next.
 */
import { request } from 'node:http';

/** Text inserted as is into a JSON document: a literal such as `1e309`, or deliberately broken JSON. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, except that RawJson is written verbatim and own `__proto__` keys are kept. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface WireRequest {
  method: string;
  /** Already percent-encoded; sent exactly as given. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
}

export interface WireResponse {
  status: number;
  contentType: string;
  text: string;
}

const CHUNK = 16 * 1024;

/**
 * Sends one request and reads the whole answer. An event stream (a request that should have been
 * refused but was not) is cut off at its headers, so a wrong answer fails fast instead of hanging.
 */
export function send(baseUrl: string, wire: WireRequest, timeoutMs = 20_000): Promise<WireResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string | number> = { ...wire.headers };
    if (wire.body !== undefined) {
      if (wire.chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = wire.body.length;
    }
    const req = request(
      { host: url.hostname, port: url.port, method: wire.method, path: wire.path, headers, agent: false },
      (res) => {
        answered = true;
        const contentType = String(res.headers['content-type'] ?? '');
        if (contentType.startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, contentType, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The server may answer (413) and close before the whole body is written; that write error is
    // expected then. An error before any answer is a real failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (wire.body === undefined) {
      req.end();
    } else if (wire.chunked) {
      for (let at = 0; at < wire.body.length; at += CHUNK) req.write(wire.body.subarray(at, at + CHUNK));
      req.end();
    } else {
      req.end(wire.body);
    }
  });
}
