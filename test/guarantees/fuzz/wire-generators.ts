/**
 * fast-check arbitraries of malformed input at the level of bytes, query strings and headers:
 * broken JSON, bytes that are not UTF-8, nesting past the depth limit, bodies past the size limit,
 * bad query values and bad header values. Each is bad by construction (broken JSON is checked
 * against JSON.parse itself, an oracle independent of the server).
 */
import fc from 'fast-check';
import { longerThan } from './generators.ts';

/** The parser's nesting limit, from the README/design ("may nest at most 64 levels"). */
export const MAX_DEPTH = 64;

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const BAD_LITERALS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  '01',
  '+1',
  '.5',
  '1.',
  '0x1F',
  "'single'",
  'tru',
  'nul',
  '1e',
  '--1',
  '"\\x41"',
  '"\\u12"',
  '"a\nb"',
  '"tab\there"',
  '"unterminated',
];

/** `text` (a JSON object or array) broken in one of the ways people and programs break JSON. */
export const brokenJson = (text: string): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.integer({ min: 1, max: text.length - 1 }).map((n) => text.slice(0, n)),
      fc
        .tuple(
          fc.constantFrom('x', '}', ',', '{}', '[]', '"', "'", '// c', '/* c */', '\u0000', 'null'),
          fc.string(),
        )
        .map(([garbage, more]) => `${text}${garbage}${more}`),
      fc.constantFrom(...BAD_LITERALS).map((literal) => `${text[0]}"k":${literal},${text.slice(1)}`),
      fc.constantFrom(
        `/* comment */${text}`,
        `${text[0]}// comment\n${text.slice(1)}`,
        text.replace(/"/g, "'"),
        text.replace(/[}\]]$/, ',$&'),
        text.replace(/"([A-Za-z_]+)":/, '$1:'),
        text.replace(/:/, '='),
      ),
    )
    .filter((broken) => !parses(broken));

/** Byte sequences that no UTF-8 decoder may accept (overlong, surrogates, past U+10FFFF, stray continuation). */
const NOT_UTF8 = [
  [0xff],
  [0xfe],
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xc3, 0x28],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xfe, 0xff],
].map((bytes) => Buffer.from(bytes));

/** `text` (ASCII) with invalid UTF-8 spliced in anywhere, or re-encoded as Latin-1 or UTF-16. */
export const notUtf8 = (text: string): fc.Arbitrary<Buffer> => {
  const bytes = Buffer.from(text, 'utf8');
  return fc.oneof(
    fc
      .tuple(fc.nat(bytes.length), fc.constantFrom(...NOT_UTF8))
      .map(([at, bad]) => Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)])),
    fc.constant(Buffer.from(`${text.slice(0, -1)},"caf\u00e9":1${text.slice(-1)}`, 'latin1')),
    fc.constant(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])),
  );
};

/** A JSON value (as text) nested `depth` levels deep: arrays, objects or both. */
export const nestedJson = (): fc.Arbitrary<{ depth: number; text: string }> =>
  fc
    .tuple(
      fc.oneof(
        fc.integer({ min: MAX_DEPTH + 1, max: MAX_DEPTH + 8 }),
        fc.integer({ min: MAX_DEPTH + 1, max: 20_000 }),
      ),
      fc.constantFrom('array', 'object', 'mixed'),
    )
    .map(([depth, shape]) => {
      const open = (level: number) => (shape === 'array' || (shape === 'mixed' && level % 2) ? '[' : '{"a":');
      const close = (level: number) => (shape === 'array' || (shape === 'mixed' && level % 2) ? ']' : '}');
      const levels = Array.from({ length: depth }, (_, level) => level);
      return { depth, text: `${levels.map(open).join('')}1${levels.reverse().map(close).join('')}` };
    });

/** A body of `limit + 1` bytes or more: valid JSON, junk bytes, or JSON cut short; sized exactly. */
export const oversizeBody = (limit: number): fc.Arbitrary<{ body: Buffer; chunked: boolean }> =>
  fc
    .tuple(
      fc.oneof(
        fc.integer({ min: limit + 1, max: limit + 16 }),
        fc.integer({ min: limit + 1, max: limit * 2 }),
      ),
      fc.constantFrom('json', 'junk', 'cut'),
      fc.integer({ min: 0, max: 255 }),
      fc.boolean(),
    )
    .map(([size, kind, byte, chunked]) => {
      const head = kind === 'junk' ? '' : '{"repo_url":"/srv/a","spec_json":{"prompt":"';
      const tail = kind === 'json' ? '"}}' : '';
      const fill = Buffer.alloc(size - head.length - tail.length, kind === 'junk' ? byte : 0x78);
      return { body: Buffer.concat([Buffer.from(head), fill, Buffer.from(tail)]), chunked };
    });

/** Content types the server must read as JSON anyway ("a Content-Type header is not required"). */
export const acceptedContentType = (): fc.Arbitrary<string | undefined> =>
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
  );

/** Content-Type values that are not a media type at all (no `type/subtype`). */
export const malformedContentType = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', ' ', 'json', 'application', ';', ';charset=utf-8'),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-+.'), minLength: 1, maxLength: 16 }),
  );

/** Query text for a whole number in `min`..`max` gone wrong: out of range, signed, decimal, not a number. */
export const badIntText = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    ...(max < 999_999_999_999_999 ? [fc.integer({ min: max + 1, max: max * 10 + 10 }).map(String)] : []),
    ...(min > 0 ? [fc.integer({ min: 0, max: min - 1 }).map(String)] : []),
    fc.integer({ min: 1, max: 1_000_000_000 }).map((n) => `-${n}`),
    fc.constantFrom(
      '-0',
      '1e3',
      '1e9',
      '1.5',
      '0x10',
      '+5',
      ' 5',
      '5 ',
      '',
      'NaN',
      'Infinity',
      'ten',
      '\uff15',
      '\u0663',
    ),
    fc.constant('9'.repeat(20)),
    fc
      .tuple(
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 6 }).filter((s) => /\D/.test(s)),
      )
      .map(([n, s]) => `${n}${s}`),
  );

/** `status=` lists that name something that is not a status, or nothing at all. */
export const badStatusList = (statuses: readonly string[]): fc.Arbitrary<string> => {
  const good = fc.array(fc.constantFrom(...statuses), { maxLength: 2 });
  const bad = fc.oneof(
    fc.constantFrom('bogus', 'PENDING', 'Done', ' pending', 'running '),
    fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.includes(',') && !statuses.includes(s)),
  );
  return fc.oneof(
    fc.constantFrom('', ',', ',,,'),
    fc.tuple(good, bad, good).map(([before, token, after]) => [...before, token, ...after].join(',')),
  );
};

/** Cursors this server never gives out: it gives positive whole numbers. */
export const badCursor = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('0', '-1', 'abc', '1.5', '01', ' 1', '', '1e3', '1'.repeat(17)),
    fc.nat().map((n) => `${n + 1}x`),
  );

/** A label in a query (1-200 characters). */
export const badLabelText = (): fc.Arbitrary<string> => fc.oneof(fc.constant(''), longerThan(200, 'f'));

/** If-Match values that are not an ETag this server gives out (`"v<version>"`) nor `*`. */
export const badIfMatch = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 20 }).filter((s) => !/\d/.test(s) && s.trim() !== '*'),
    fc.string({
      unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 6,
    }),
    fc.constantFrom(
      '"v"',
      '"v-1"',
      '"v1.5"',
      `"v${'9'.repeat(16)}"`,
      '"v1", "v2"',
      'W/"x"',
      '"v1" junk',
      'v 1',
      '""',
      '',
    ),
  );

/** Idempotency keys outside 1-200 characters. */
export const badIdempotencyKey = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(''),
    fc.integer({ min: 201, max: 2_000 }).map((n) => 'k'.repeat(n)),
  );

/** Last-Event-ID values that are not an event id this server sends (a whole number). */
export const badLastEventId = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', ' ', 'abc', '-1', '1.5', '1e3', '1'.repeat(16)),
    fc.nat().map((n) => `${n}x`),
  );

/** Keys that are not parameters of an endpoint, including ones that are prototype names. */
export const unknownKey = (known: readonly string[]): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'colour',
        'force',
        'limit[]',
        'id',
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
    )
    .filter((key) => !known.includes(key));
