/**
 * fast-check arbitraries of malformed input. Every value here is bad by construction for the rule
 * it targets (a stated API rule from the README, not a copy of the server's schema), so any
 * request built from one must be refused. Field values are JS values; RawJson carries literals
 * JSON cannot hold (1e309, -0) or that are not JSON at all.
 */
import fc from 'fast-check';
import { RawJson } from './wire.ts';

type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

const SAMPLES: Record<JsonKind, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 12 }),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
};

/** A JSON value of any kind except the accepted ones: the "wrong type" of a field. */
export const wrongType = (...accepted: JsonKind[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    ...(Object.keys(SAMPLES) as JsonKind[]).filter((k) => !accepted.includes(k)).map((k) => SAMPLES[k]),
  );

/** Any JSON value: for fields that must be absent whatever their value (`status` on create). */
export const anyJson = (): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth: 2 });

const ascii = fc.string({ maxLength: 10 });
const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), maxLength: 10 });

/** A string of `min`..`min + 63` characters (past a maximum of `min - 1`), ASCII so its size is known. */
export const longerThan = (max: number, fill = 'x'): fc.Arbitrary<string> =>
  fc.integer({ min: max + 1, max: max + 64 }).map((length) => fill.repeat(length));

/** Text around one unpaired UTF-16 surrogate: valid as a JSON escape, not Unicode text. */
export const loneSurrogate = (): fc.Arbitrary<string> =>
  fc
    .tuple(alnum, fc.integer({ min: 0xd800, max: 0xdfff }), alnum)
    .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`);

const around = (inner: fc.Arbitrary<string>) =>
  fc.tuple(ascii, inner, ascii).map(([a, middle, b]) => `${a}${middle}${b}`);
const control = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f))
  .map((c) => String.fromCharCode(c));
const optionLike = ascii.chain((s) => fc.constantFrom(`-${s}`, `--upload-pack=${s}`, `--${s}`));

export interface TextRule {
  min?: number;
  max: number;
  nullable?: boolean;
}

/** A bad value for a free-text field: wrong type, too long, or empty when it may not be. */
export const badText = ({ min = 0, max, nullable = false }: TextRule): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('string', ...(nullable ? (['null'] as const) : [])),
    longerThan(max),
    ...(min > 0 ? [fc.constant('')] : []),
  );

/** A bad label (conversation_id, feature_id, ...): 1-200 characters of Unicode text. */
export const badLabel = (nullable = true): fc.Arbitrary<unknown> =>
  fc.oneof(badText({ min: 1, max: 200, nullable }), loneSurrogate());

/** Branch and base names that git could misread or that are not valid refs. */
export const badRefName = (): fc.Arbitrary<string> =>
  fc.oneof(
    optionLike,
    around(fc.constantFrom('..', '@{', '//')),
    around(control),
    around(fc.constantFrom(' ', '~', '^', ':', '?', '*', '[', '\\')),
    ascii.chain((s) => fc.constantFrom(`/${s}`, `${s}/`, `.${s}`, `${s}/.x`, `${s}.lock`, `${s}.`)),
    fc.constantFrom('', '@', '../x', 'a/../b'),
    longerThan(200, 'b'),
    loneSurrogate(),
  );

/** Paths (repo_url, worktree_path, context files) that are empty, option-like or climb out. */
export const badPathName = (): fc.Arbitrary<string> =>
  fc.oneof(
    optionLike,
    around(fc.constant('\u0000')),
    fc
      .tuple(ascii, ascii)
      .chain(([a, b]) =>
        fc.constantFrom('..', `../${a}`, `${a}/..`, `${a}/../${b}`, `${a}\\..\\${b}`, `/srv/../${b}`),
      ),
    fc.constant(''),
    longerThan(4096, 'p'),
    loneSurrogate(),
  );

export const badRef = (): fc.Arbitrary<unknown> => fc.oneof(wrongType('string'), badRefName());

export const badPath = (nullable = false): fc.Arbitrary<unknown> =>
  fc.oneof(wrongType('string', ...(nullable ? (['null'] as const) : [])), badPathName());

/** A path that must also be relative to the repository (setup.copy_files). */
export const badRelativePath = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    badPath(),
    ascii.map((s) => `/${s}`),
    ascii.map((s) => `C:${s}`),
  );

/** Worker types and ids: 1-128 of letters, digits and `._:@-`, starting with a letter or digit. */
export const badIdentifierText = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(''),
    longerThan(128, 'w'),
    ascii.chain((s) => fc.constantFrom(`-${s}`, `.${s}`, `_${s}`)),
    fc
      .tuple(
        alnum,
        fc.constantFrom(' ', '/', '\\', '#', '%', '$', '!', '?', 'é', '\u0000', '+', ',', '='),
        ascii,
      )
      .map(([a, bad, b]) => `w${a}${bad}${b}`),
  );

export const badIdentifier = (): fc.Arbitrary<unknown> => fc.oneof(wrongType('string'), badIdentifierText());

/** A short lowercase name (agent, log stream): `first` is its first-character class. */
export const badLowercaseName = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('string'),
    fc.constant(''),
    longerThan(max, 'a'),
    alnum.chain((s) => fc.constantFrom(`A${s}`, `-${s}`, `_${s}`, `a${s}B`, `a ${s}`, `a.${s}`, `a/${s}`)),
  );

/** A bad integer for a field that takes `min`..`max`. */
export const badInt = (min: number, max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('number'),
    fc.integer({ min: max + 1, max: max + 1_000_000 }),
    fc.integer({ min: min - 1_000_000, max: min - 1 }),
    fc.double({ min, max, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.constantFrom(2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_VALUE, 0.5, -0.5),
    fc.constantFrom('1e309', '-1e309', '1e400', '1.0000000001').map((text) => new RawJson(text)),
    ...(min > 0 ? [fc.constant(new RawJson('-0'))] : []),
    fc.integer({ min, max }).map(String),
  );

/** A bad number (not necessarily whole) for a field that takes `min`..`max`. */
export const badNumber = (min: number, max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('number'),
    fc.double({ min: max, noNaN: true, noDefaultInfinity: true }).filter((x) => x > max),
    fc.double({ max: min, noNaN: true, noDefaultInfinity: true }).filter((x) => x < min),
    fc.constantFrom('1e309', '-1e309').map((text) => new RawJson(text)),
    fc.integer({ min, max }).map(String),
  );

export const badEnum = (values: readonly string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('string'),
    fc.string({ maxLength: 16 }).filter((s) => !values.includes(s)),
    fc.constantFrom(...values).chain((v) => fc.constantFrom(v.toUpperCase(), ` ${v}`, `${v} `, `${v},${v}`)),
  );

export const badBoolean = (): fc.Arbitrary<unknown> =>
  fc.oneof(wrongType('boolean'), fc.constantFrom('true', 'false', 1, 0, 'yes'));

/** The RFC 9562 text form, case-insensitive; the nil and max UUIDs are well-formed too. */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Strings that are not UUIDs: broken real ones, and arbitrary text. */
export const badUuidText = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .uuid()
      .chain((u) =>
        fc.constantFrom(
          u.slice(0, -1),
          `${u}a`,
          `g${u.slice(1)}`,
          u.replace(/-/g, ''),
          `{${u}}`,
          `urn:uuid:${u}`,
          ` ${u}`,
          `${u}\n`,
          u.replace(/-/g, '_'),
          `${u.slice(0, 8)}${u.slice(9)}`,
        ),
      ),
    fc.string({ maxLength: 40 }).filter((s) => !UUID_SHAPE.test(s)),
    fc.constantFrom('', 'not-a-uuid', '123', 'null', '..', '%00', 'claim'),
  );

export const badUuid = (): fc.Arbitrary<unknown> => fc.oneof(wrongType('string'), badUuidText());

/** Times that are not ISO-8601 with an offset. */
export const badIsoTime = (nullable = true): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('string', ...(nullable ? (['null'] as const) : [])),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('Z', '')),
    fc.constantFrom(
      'tomorrow',
      '',
      '2026-01-01',
      '2026-13-01T00:00:00Z',
      '2026-01-32T00:00:00Z',
      '2026-01-01T25:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01T00:00:00 Z',
      'T00:00:00Z',
    ),
  );

export interface ArrayRule {
  min?: number;
  /** The most items allowed, if there is a limit. */
  max?: number;
  /** A valid item, to surround a bad one and to build an array that is one item too long. */
  valid: unknown;
}

/** An array that is the wrong type, too short, too long, or holds one bad item among good ones. */
export const badArray = (
  item: fc.Arbitrary<unknown>,
  { min = 0, max, valid }: ArrayRule,
): fc.Arbitrary<unknown> =>
  fc.oneof(
    wrongType('array'),
    fc
      .tuple(item, fc.nat(Math.min(2, (max ?? 3) - 1)))
      .map(([bad, before]) => [...Array(before).fill(valid), bad]),
    ...(max === undefined ? [] : [fc.constant(Array(max + 1).fill(valid))]),
    ...(min > 0 ? [fc.constant([])] : []),
  );

/** A program and its arguments: 1-200 non-empty strings of at most 4096 characters, without NUL. */
export const badArgv = (): fc.Arbitrary<unknown> =>
  badArray(fc.oneof(wrongType('string'), fc.constant(''), longerThan(4096), fc.constant('te\u0000st')), {
    min: 1,
    max: 200,
    valid: 'x',
  });
