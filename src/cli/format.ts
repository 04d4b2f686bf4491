/** Text for people: tables, relative times, status colours. Pure: the caller says whether to colour. */

const STATUS_COLOURS: Readonly<Record<string, string>> = {
  pending: '33', // yellow
  running: '36', // cyan
  awaiting_input: '35', // magenta
  done: '32', // green
  failed: '31', // red
  cancelled: '90', // grey
};

/** Wraps a status in its colour; `enabled` is true only when stdout is a terminal. */
export function colourStatus(status: string, enabled: boolean): string {
  const colour = STATUS_COLOURS[status];
  return enabled && colour ? `\u001b[${colour}m${status}\u001b[0m` : status;
}

/** Whitespace (newlines included) collapsed to single spaces, so a value stays on its row. */
export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

type Unit = [limitSeconds: number, divisor: number, unit: string];
const MONTHS: Unit = [Number.POSITIVE_INFINITY, 86_400 * 30, 'mo'];
const UNITS: readonly Unit[] = [
  [60, 1, 's'],
  [3_600, 60, 'm'],
  [86_400, 3_600, 'h'],
  [86_400 * 60, 86_400, 'd'],
  MONTHS,
];

/** `12s ago`, `5m ago`, `3d ago`; `in 4m` for a future time (a clock that runs ahead); `-` for none. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  const size = Math.abs(seconds);
  if (size < 5) return 'just now';
  const [, divisor, unit] = UNITS.find(([limit]) => size < limit) ?? MONTHS;
  const amount = `${Math.floor(size / divisor)}${unit}`;
  return seconds >= 0 ? `${amount} ago` : `in ${amount}`;
}

/**
 * Columns padded to their widest cell (the last one is not padded). `paint` may decorate a padded
 * cell (colour), after the width was measured on the plain text.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  paint: (column: number, padded: string, plain: string) => string = (_column, padded) => padded,
): string {
  const widths = headers.map((header, column) =>
    Math.max([...header].length, ...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: readonly string[], painted: boolean) =>
    cells
      .map((cell, column) => {
        const padded = column === cells.length - 1 ? cell : padTo(cell, widths[column] ?? 0);
        return painted ? paint(column, padded, cell) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(headers, false), ...rows.map((row) => line(row, true))].map((text) => `${text}\n`).join('');
}

/** Pads by code points, as the widths are measured, so a wide emoji does not shift a column. */
const padTo = (cell: string, width: number): string =>
  cell + ' '.repeat(Math.max(0, width - [...cell].length));

/** `[stream] ` before every line of a non-agent entry; an agent's own text as it is. */
export function renderLogText(stream: string, text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (stream === 'agent') return `${body}\n`;
  return `${body
    .split('\n')
    .map((line) => `[${stream}] ${line}`)
    .join('\n')}\n`;
}
