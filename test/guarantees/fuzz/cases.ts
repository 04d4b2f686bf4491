/**
 * Turns the endpoint table into fuzz cases: for each endpoint and each class of malformed input it
 * takes, an arbitrary of whole HTTP requests that differ from the endpoint's valid request in that
 * one input, and the one answer (status and code) the README promises for that class.
 */
import fc from 'fast-check';
import { type Endpoint, routeOf, type Seed } from './endpoints.ts';
import { anyJson, badUuidText } from './generators.ts';
import { RawJson, toJsonText, type WireRequest } from './wire.ts';
import {
  acceptedContentType,
  brokenJson,
  malformedContentType,
  nestedJson,
  notUtf8,
  oversizeBody,
  unknownKey,
} from './wire-generators.ts';

export const INPUT_CLASSES = {
  broken_json: { status: 400, code: 'validation_failed' },
  not_utf8: { status: 400, code: 'validation_failed' },
  too_deep: { status: 400, code: 'validation_failed' },
  not_an_object: { status: 400, code: 'validation_failed' },
  bad_field: { status: 400, code: 'validation_failed' },
  missing_field: { status: 400, code: 'validation_failed' },
  unknown_field: { status: 400, code: 'validation_failed' },
  bad_id: { status: 400, code: 'validation_failed' },
  bad_query: { status: 400, code: 'validation_failed' },
  bad_header: { status: 400, code: 'validation_failed' },
  too_large: { status: 413, code: 'payload_too_large' },
  bad_content_type: { status: 415, code: 'unsupported_media_type' },
  unknown_route: { status: 404, code: 'not_found' },
} as const;

export type InputClass = keyof typeof INPUT_CLASSES;

export interface FuzzCase {
  inputClass: InputClass;
  request: WireRequest;
  /** One line for failure messages (fast-check prints it instead of the whole body). */
  what: string;
}

type Json = Record<string, unknown>;

/** A copy of `body` with the value at a dotted path set (or removed, for `undefined`). */
export function withValue(body: Json, path: string, value: unknown): Json {
  const copy = structuredClone(body);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = copy as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[last];
  // defineProperty, so a `__proto__` key becomes a member of the JSON object, not its prototype.
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const preview = (bytes: Buffer | undefined): string =>
  bytes === undefined
    ? ''
    : ` body(${bytes.length} B)=${JSON.stringify(bytes.subarray(0, 120).toString('latin1'))}`;

function fuzzCase(inputClass: InputClass, request: WireRequest, input: string | undefined): FuzzCase {
  const headers = Object.keys(request.headers).length
    ? ` headers=${JSON.stringify(request.headers).slice(0, 200)}`
    : '';
  const what = `${inputClass}${input ? ` (${input})` : ''}: ${request.method} ${request.path.slice(0, 200)}${headers}${preview(request.body)}${request.chunked ? ' (chunked)' : ''}`;
  return { inputClass, request, what, [fc.toStringMethod]: () => what } as FuzzCase;
}

const queryText = (pairs: Array<[string, string]>): string =>
  pairs.length === 0
    ? ''
    : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;

/** What every case of one endpoint starts from: its valid request, in parts. */
interface Base {
  path: string;
  pairs: Array<[string, string]>;
  body: Json | undefined;
  text: string;
}

function baseOf(endpoint: Endpoint, seed: Seed): Base {
  const path = endpoint.target ? endpoint.path.replace(':id', seed.ids[endpoint.target]) : endpoint.path;
  const body = typeof endpoint.body === 'object' ? endpoint.body.valid(seed) : undefined;
  const pairs = Object.entries(endpoint.query?.valid ?? {});
  return { path, pairs, body, text: body === undefined ? '{}' : toJsonText(body) };
}

/** The endpoint's valid request, unchanged: what every case departs from in exactly one input. */
export function validRequest(endpoint: Endpoint, seed: Seed): WireRequest {
  const base = baseOf(endpoint, seed);
  return {
    method: endpoint.method,
    path: `${base.path}${queryText(base.pairs)}`,
    headers: {},
    body: base.body === undefined ? undefined : Buffer.from(base.text),
  };
}

/** The case arbitraries of one endpoint, one per input class it takes. */
export function casesFor(
  endpoint: Endpoint,
  seed: Seed,
  bodyLimit: number,
): Array<[InputClass, fc.Arbitrary<FuzzCase>]> {
  const base = baseOf(endpoint, seed);
  const valid = validRequest(endpoint, seed);
  const classes: Array<[InputClass, fc.Arbitrary<FuzzCase>]> = [];
  const add: Add = (inputClass, requests, input) =>
    classes.push([inputClass, requests.map((request) => fuzzCase(inputClass, request, input))]);

  // A body of bytes, sent with a content type the server must ignore and either framing.
  const withBody = (bytes: fc.Arbitrary<Buffer>): fc.Arbitrary<WireRequest> =>
    fc.tuple(bytes, acceptedContentType(), fc.boolean()).map(
      ([body, type, chunked]): WireRequest => ({
        ...valid,
        headers: type === undefined ? {} : { 'content-type': type },
        body,
        chunked,
      }),
    );
  const withJson = (bodies: fc.Arbitrary<unknown>) => withBody(bodies.map((b) => Buffer.from(toJsonText(b))));

  if (endpoint.body !== undefined) {
    add('broken_json', withBody(brokenJson(base.text).map((text) => Buffer.from(text))));
    add('not_utf8', withBody(notUtf8(base.text)));
    add(
      'too_deep',
      withJson(
        fc
          .tuple(nestedJson(), fc.constantFrom('', 'nested', ...Object.keys(base.body ?? {})))
          .map(([nested, key]) =>
            key === '' ? new RawJson(nested.text) : withValue(base.body ?? {}, key, new RawJson(nested.text)),
          ),
      ),
    );
    add(
      'too_large',
      oversizeBody(bodyLimit).map(({ body, chunked }) => ({ ...valid, headers: {}, body, chunked })),
    );
    add(
      'bad_content_type',
      malformedContentType().map((type) => ({
        ...valid,
        headers: { 'content-type': type },
        body: Buffer.from(base.text),
      })),
    );
    add(
      'not_an_object',
      withBody(fc.constantFrom('null', '[]', '"job"', '42', 'true', '[{}]').map((t) => Buffer.from(t))),
    );
    addFieldClasses(endpoint, base, withJson, add);
  }
  if (endpoint.target) {
    add(
      'bad_id',
      fc
        .oneof(
          badUuidText().map(encodeURIComponent),
          // Raw: bad percent-encoding, and an id longer than the router takes.
          fc.constantFrom('%', '%zz', '%ED%A0%80', '%FF', 'a'.repeat(150)),
        )
        .map((id) => ({ ...valid, path: `${endpoint.path.replace(':id', id)}${queryText(base.pairs)}` })),
    );
  }
  if (endpoint.query) addQueryClass(endpoint, base, valid, add);
  const headers = Object.entries(endpoint.headers ?? {});
  if (headers.length > 0) {
    add(
      'bad_header',
      fc
        .constantFrom(...headers)
        .chain(([name, values]) => values.map((value) => ({ ...valid, headers: { [name]: value } }))),
    );
  }
  add('unknown_route', unknownRoutes(base.path));
  return classes;
}

/** Adds one class of cases; `input` names the one field or parameter they all change, if there is one. */
type Add = (inputClass: InputClass, requests: fc.Arbitrary<WireRequest>, input?: string) => void;

/** bad_field, missing_field and unknown_field: one value of the valid body changed, removed or added. */
function addFieldClasses(
  endpoint: Endpoint,
  base: Base,
  withJson: (bodies: fc.Arbitrary<unknown>) => fc.Arbitrary<WireRequest>,
  add: Add,
): void {
  const spec = endpoint.body;
  const body = base.body ?? {};
  if (typeof spec === 'object') {
    // Every field gets its own cases, so each one's rule is exercised on every run.
    for (const [path, bad] of Object.entries(spec.fields)) {
      add('bad_field', withJson(bad.map((value) => withValue(body, path, value))), path);
    }
    if (spec.required.length > 0) {
      add(
        'missing_field',
        withJson(fc.constantFrom(...spec.required).map((path) => withValue(body, path, undefined))),
      );
    }
  }
  const strict = typeof spec === 'object' ? spec.strict : [''];
  const known = typeof spec === 'object' ? Object.keys(spec.fields) : [];
  add(
    'unknown_field',
    withJson(
      fc.constantFrom(...strict).chain((object) => {
        const prefix = object === '' ? '' : `${object}.`;
        const siblings = known
          .filter((path) => path.startsWith(prefix))
          .map((path) => path.slice(prefix.length));
        return fc
          .tuple(unknownKey(siblings), anyJson())
          .map(([key, value]) => withValue(body, `${prefix}${key.replace(/\./g, '_')}`, value));
      }),
    ),
  );
}

/** bad_query: one parameter given a bad value, given twice, broken in its encoding, or one that does not exist. */
function addQueryClass(endpoint: Endpoint, base: Base, valid: WireRequest, add: Add): void {
  const query = endpoint.query;
  if (!query) return;
  const names = Object.keys(query.params);
  const replaced = (name: string, value: string) =>
    base.pairs.map(([k, v]): [string, string] => [k, k === name ? value : v]);
  const withPath = (text: string): WireRequest => ({ ...valid, path: `${base.path}${text}` });
  for (const [name, bad] of Object.entries(query.params)) {
    add(
      'bad_query',
      bad.map((value) => withPath(queryText(replaced(name, value)))),
      name,
    );
  }
  const pairs = fc.oneof(
    fc.constantFrom(...base.pairs).map((pair) => [...base.pairs, pair]),
    fc
      .tuple(unknownKey(names), fc.string({ maxLength: 8 }))
      .map(([key, value]) => [...base.pairs, [key, value]]),
  );
  const encoded = pairs.map((list) => queryText(list as Array<[string, string]>));
  // Broken percent-encoding in a number: whatever it decodes to, it is not a whole number.
  const numeric = names.filter((name) => ['limit', 'after', 'wait_ms', 'lease_ms'].includes(name));
  const raw = numeric.length
    ? fc
        .tuple(fc.constantFrom(...numeric), fc.constantFrom('%', '%zz', '%FF', '%2', '1%'))
        .map(([name, junk]) => `${queryText(replaced(name, 'X'))}`.replace(`${name}=X`, `${name}=${junk}`))
    : encoded;
  add('bad_query', fc.oneof(encoded, raw).map(withPath), 'duplicated, unknown or broken');
}

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'] as const;

/** Requests for a method or path next to the endpoint's that no endpoint serves. */
function unknownRoutes(path: string): fc.Arbitrary<WireRequest> {
  return fc
    .tuple(
      fc.constantFrom(...METHODS),
      fc.constantFrom(path, `${path}/extra`, `${path}/`, `/v1${path}`, path.toUpperCase(), `${path}.json`),
    )
    .filter(([method, target]) => routeOf(method, target) === undefined)
    .map(([method, target]) => ({ method, path: target, headers: {} }));
}
