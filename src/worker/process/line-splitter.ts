/**
 * Splits a text stream into lines whatever the chunk boundaries: CRLF and LF endings, a last line
 * without a newline (given by `end()`), and lines longer than `maxLine` characters. A too-long line
 * is cut at `maxLine` and the rest of it, up to its newline, is dropped, so one runaway line cannot
 * hold the worker's memory; the cut line is still delivered (it will not parse as JSON, and is logged).
 * Feed it decoded text (a stream with setEncoding('utf8')) so multibyte characters are never split.
 */

export const DEFAULT_MAX_LINE = 8 * 1_048_576;

export class LineSplitter {
  private pending = '';
  /** True while dropping the rest of a line that was already cut at maxLine. */
  private skipping = false;

  constructor(private readonly maxLine = DEFAULT_MAX_LINE) {}

  /** The complete lines this chunk finishes. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      this.take(chunk.slice(start, newline), lines);
      if (!this.skipping) lines.push(stripCr(this.pending));
      this.pending = '';
      this.skipping = false;
      start = newline + 1;
    }
    this.take(chunk.slice(start), lines);
    return lines;
  }

  /** The last line, when the stream ended without a newline. */
  end(): string[] {
    const last = this.skipping || this.pending === '' ? [] : [stripCr(this.pending)];
    this.pending = '';
    this.skipping = false;
    return last;
  }

  /** Adds text of the current line; when it grows past maxLine, delivers the cut line now. */
  private take(piece: string, lines: string[]): void {
    if (this.skipping) return;
    this.pending += piece;
    if (this.pending.length > this.maxLine) {
      lines.push(this.pending.slice(0, this.maxLine));
      this.pending = '';
      this.skipping = true;
    }
  }
}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
