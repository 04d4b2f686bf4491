import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LineSplitter } from '../../../src/worker/process/line-splitter.ts';

function splitAll(chunks: string[], maxLine?: number): string[] {
  const splitter = new LineSplitter(maxLine);
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
}

describe('splitting an output stream into lines', () => {
  it('joins a line that arrives in several chunks and strips CRLF endings', () => {
    assert.deepEqual(splitAll(['{"type":"thr', 'ead.started"}\r', '\nsecond\r\nthi', 'rd\n']), [
      '{"type":"thread.started"}',
      'second',
      'third',
    ]);
  });

  it('delivers a last line that has no newline when the stream ends', () => {
    assert.deepEqual(splitAll(['one\ntwo']), ['one', 'two']);
    assert.deepEqual(splitAll(['one\n']), ['one']);
  });

  it('keeps empty lines between lines', () => {
    assert.deepEqual(splitAll(['a\n\nb\n']), ['a', '', 'b']);
  });

  it('cuts a line longer than the limit and drops the rest of it, keeping the lines after it', () => {
    const long = 'x'.repeat(25);
    assert.deepEqual(splitAll([`short\n${long.slice(0, 7)}`, `${long.slice(7)}\nnext\n`], 10), [
      'short',
      'x'.repeat(10),
      'next',
    ]);
  });

  it('gives the same lines however the text is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '\n', '\r\n', '{', ' ') }), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (pieces, cuts) => {
          const text = pieces.join('');
          const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points, text.length]
            .slice(0, -1)
            .map((start, i, all) => text.slice(start, all[i + 1] ?? text.length));
          const expected =
            text === ''
              ? []
              : text
                  .replace(/\n$/, '')
                  .split('\n')
                  .map((l) => l.replace(/\r$/, ''));
          assert.deepEqual(splitAll(chunks), expected);
        },
      ),
    );
  });
});
