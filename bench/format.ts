// Number formatting for the report: counts, durations, CPU times, ratios, shares and backlog sizes.

export const fmtInt = (value: number) => Math.round(value).toLocaleString('en-US');
export const fmtMs = (value: number) => `${value.toFixed(value < 10 ? 3 : 1)} ms`;
export const fmtUs = (value: number) => `${Math.round(value * 1e6).toLocaleString('en-US')} µs`;
export const fmtRatio = (value: number) => `${value.toFixed(2)}x`;
export const fmtPercent = (value: number) => `${Math.round(100 * value)}%`;
export const fmtSize = (value: number) =>
  value >= 1000 && value % 1000 === 0 ? `${value / 1000}k` : String(value);
